package dev.portcullis.io;

import dev.portcullis.wire.Checksum;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

/** The virtio_net_hdr bytes the TX ring puts before an offloaded TCP frame, and the partial checksum's form. */
class VnetHeaderTest {
    static final int AT = 64; // frame offset in the buffer; the header goes in the 10 bytes before

    static OutSegment segment(int ipVersion, boolean ts, int sackBlocks, int payload) {
        OutSegment s = new OutSegment();
        s.srcMac = 0x02_00_00_00_00_02L;
        s.dstMac = 0x02_00_00_00_00_01L;
        s.ipVersion = ipVersion;
        if (ipVersion == 4) {
            s.srcLo = 0xffff_0a4e_0002L;
            s.dstLo = 0xffff_0a4e_0001L;
        } else {
            s.srcHi = 0xfd77_0000_0000_0000L; s.srcLo = 2;
            s.dstHi = 0xfd77_0000_0000_0000L; s.dstLo = 1;
        }
        s.srcPort = 80;
        s.dstPort = 40000;
        s.seq = 0x12345678;
        s.ack = 0x0badf00d;
        s.flags = TcpFlags.ACK | TcpFlags.PSH;
        s.window = 500;
        s.hasTimestamp = ts;
        s.tsVal = 7;
        s.tsEcr = 9;
        for (int i = 0; i < sackBlocks; i++) {
            s.sackLeft[i] = 100 * i;
            s.sackRight[i] = 100 * i + 50;
        }
        s.sackBlockCount = sackBlocks;
        s.partialChecksum = true;
        s.externalPayloadLength = payload;
        return s;
    }

    static int le16(MemorySegment m, long off) {
        return Byte.toUnsignedInt(m.get(JAVA_BYTE, off)) | Byte.toUnsignedInt(m.get(JAVA_BYTE, off + 1)) << 8;
    }

    @ParameterizedTest(name = "IPv{0}, timestamps {1}, {2} SACK blocks, payload {3}, segments of {4}")
    @CsvSource({"4, true, 0, 14480, 1448", "4, false, 0, 1460, 1460", "6, true, 3, 60000, 1416", "6, false, 4, 100, 1440",
            "4, true, 1, 65160, 1448"})
    void headerNamesTheTcpChecksumAndTheSegmentSize(int ipVersion, boolean ts, int sack, int payload, int mss) {
        MemorySegment buf = Arena.ofAuto().allocate(AT + 70_000);
        OutSegment s = segment(ipVersion, ts, sack, payload);
        int len = SegmentWriter.write(s, buf, AT, 70_000);
        assertThat(len).isPositive();
        assertThat(TxRing.writeVnetHeader(buf, AT, len, mss)).isTrue();
        long h = AT - TxRing.VNET_HDR_LEN;
        int l4 = 14 + (ipVersion == 4 ? 20 : 40);
        int tcpLen = SegmentWriter.tcpHeaderLength(s);
        boolean gso = payload > mss;
        assertThat(buf.get(JAVA_BYTE, h)).isEqualTo((byte) TxRing.VIRTIO_NET_HDR_F_NEEDS_CSUM);
        assertThat(buf.get(JAVA_BYTE, h + 1)).isEqualTo((byte) (!gso ? TxRing.GSO_NONE
                : ipVersion == 4 ? TxRing.GSO_TCPV4 : TxRing.GSO_TCPV6));
        assertThat(le16(buf, h + 2)).as("hdr_len").isEqualTo(l4 + tcpLen);
        assertThat(le16(buf, h + 4)).as("gso_size").isEqualTo(gso ? mss : 0);
        assertThat(le16(buf, h + 6)).as("csum_start").isEqualTo(l4);
        assertThat(le16(buf, h + 8)).as("csum_offset").isEqualTo(16);
    }

    /**
     * Finishing the partial checksum as the kernel does (sum from csum_start over the rest, the field included,
     * complement into the field) gives the checksum SegmentWriter computes itself for the same frame.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void thePartialChecksumFinishesToTheFullOne(long seed) {
        Random r = new Random(seed);
        int ipVersion = r.nextBoolean() ? 4 : 6;
        int payload = 1 + r.nextInt(3000);
        MemorySegment data = Arena.ofAuto().allocate(payload);
        for (int i = 0; i < payload; i++) data.set(JAVA_BYTE, i, (byte) r.nextInt());
        MemorySegment a = Arena.ofAuto().allocate(4096), b = Arena.ofAuto().allocate(4096);
        OutSegment full = segment(ipVersion, r.nextBoolean(), r.nextInt(3), 0);
        full.partialChecksum = false;
        full.payload1 = data;
        full.payload1Length = payload;
        int lenA = SegmentWriter.write(full, a, 0, 4096);
        OutSegment partial = segment(ipVersion, full.hasTimestamp, full.sackBlockCount, payload);
        int lenB = SegmentWriter.write(partial, b, 0, 4096);
        MemorySegment.copy(data, 0, b, lenB - payload, payload);
        assertThat(lenB).isEqualTo(lenA);
        int l4 = 14 + (ipVersion == 4 ? 20 : 40);
        long field = l4 + 16;
        int finished = Checksum.finish(Checksum.sum(b, l4, lenB - l4, 0));
        b.set(JAVA_BYTE, field, (byte) (finished >>> 8));
        b.set(JAVA_BYTE, field + 1, (byte) finished);
        assertThat(b.asSlice(0, lenB).toArray(JAVA_BYTE)).isEqualTo(a.asSlice(0, lenA).toArray(JAVA_BYTE));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"vlan", "arp", "udp", "short"})
    void framesThatAreNotUntaggedTcpAreRefused(String kind) {
        MemorySegment buf = Arena.ofAuto().allocate(AT + 2000);
        OutSegment s = segment(4, true, 0, 100);
        if (kind.equals("vlan")) s.vlanTci = 5;
        int len = SegmentWriter.write(s, buf, AT, 2000);
        switch (kind) {
            case "arp" -> buf.set(JAVA_BYTE, AT + 13, (byte) 0x06);       // ethertype 0x0806
            case "udp" -> buf.set(JAVA_BYTE, AT + 14 + 9, (byte) 17);
            case "short" -> len = 40;
            default -> { }
        }
        assertThat(TxRing.writeVnetHeader(buf, AT, len, 1448)).isFalse();
    }
}
