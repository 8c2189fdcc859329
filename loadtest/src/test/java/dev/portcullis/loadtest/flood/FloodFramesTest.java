package dev.portcullis.loadtest.flood;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.portcullis.loadtest.flood.FloodFrames.U16;
import static dev.portcullis.loadtest.flood.FloodFrames.U32;
import static org.assertj.core.api.Assertions.assertThat;

class FloodFramesTest {
    static final long SRC_MAC = 0x02_00_00_00_00_01L;
    static final long DST_MAC = 0x02_00_00_00_00_02L;
    static final int DST = FloodFrames.parseIp("10.77.0.2");

    /** Test-only checksum check, written independently of the generator: RFC 1071 sum over the bytes must be 0xffff. */
    static int onesSum(byte[] b, int off, int len, int init) {
        long sum = init;
        for (int i = 0; i < len; i += 2) {
            int hi = b[off + i] & 0xff;
            int lo = i + 1 < len ? b[off + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
        return (int) sum;
    }

    static void assertChecksumsValid(MemorySegment f, long off, int len) {
        byte[] b = f.asSlice(off, len).toArray(ValueLayout.JAVA_BYTE);
        assertThat(onesSum(b, 14, 20, 0)).as("IPv4 header checksum").isEqualTo(0xffff);
        int tcpLen = len - 34;
        int pseudo = onesSum(b, 26, 8, 6 + tcpLen);
        assertThat(onesSum(b, 34, tcpLen, pseudo)).as("TCP checksum").isEqualTo(0xffff);
    }

    @ParameterizedTest
    @EnumSource(OsProfile.class)
    void synCarriesTheProfilesOptionsAndValidChecksums(OsProfile p) {
        FloodFrames.Template t = FloodFrames.template(FloodKind.SYN, p, SRC_MAC, DST_MAC, DST, 80);
        MemorySegment f = MemorySegment.ofArray(new byte[256]);
        MemorySegment.copy(t.segment(), 0, f, 10, t.length());
        FloodFrames.stamp(f, 10, t, FloodFrames.parseIp("100.64.1.2"), 40000, 0x12345678, 0x9abcdef0, 7, 0x01020304);
        assertThat(t.length()).isEqualTo(54 + p.optionsLength());
        assertThat(f.get(ValueLayout.JAVA_BYTE, 10 + FloodFrames.TCP_FLAGS)).isEqualTo((byte) 0x02);
        assertThat(f.get(U32, 10 + FloodFrames.TCP_SEQ)).isEqualTo(0x12345678);
        assertThat(f.get(U32, 10 + FloodFrames.TCP_ACK)).as("a SYN's ack field is zero").isZero();
        assertThat(f.get(U16, 10 + FloodFrames.IP_TOTAL_LEN) & 0xffff).isEqualTo(t.length() - 14);
        assertThat((f.get(ValueLayout.JAVA_BYTE, 10 + FloodFrames.TCP_OFF + 12) & 0xff) >> 4)
                .isEqualTo((20 + p.optionsLength()) / 4);
        assertThat(f.get(U16, 10 + FloodFrames.TCP_OFF + 14) & 0xffff).isEqualTo(p.window);
        assertThat(f.get(ValueLayout.JAVA_BYTE, 10 + 14 + 8) & 0xff).isEqualTo(p.ttl);
        if (p.tsValOffset >= 0) {
            assertThat(f.get(U32, 10 + FloodFrames.TCP_OPTS + p.tsValOffset)).isEqualTo(0x01020304);
        }
        assertChecksumsValid(f, 10, t.length());
    }

    @Test
    void windowsSynOptionsAreByteExact() {
        FloodFrames.Template t = FloodFrames.template(FloodKind.SYN, OsProfile.WINDOWS, SRC_MAC, DST_MAC, DST, 443);
        byte[] opts = java.util.Arrays.copyOfRange(t.bytes(), 54, t.length());
        assertThat(opts).containsExactly(2, 4, 5, (byte) 0xb4, 1, 3, 3, 8, 1, 1, 4, 2);
        assertThat(t.bytes()[0]).isEqualTo((byte) 0x02);
        assertThat(t.bytes()[5]).isEqualTo((byte) 0x02);
        assertThat(t.bytes()[11]).isEqualTo((byte) 0x01);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 0xdeadbeefL, 987654321L})
    void everyFrameOfASeededMixIsWellFormed(long seed) {
        FloodSpec spec = new FloodSpec("x", SRC_MAC, DST_MAC, DST, 80, FloodFrames.parseIp("100.64.0.0"), 10, false,
                6, 2, 2, OsProfile.LINUX, true, 0, 1, 1000, seed);
        FrameSource src = new FrameSource(spec);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            for (int i = 0; i < 2000; i++) {
                int len = src.write(buf, 0, i);
                assertChecksumsValid(buf, 0, len);
                int ip = buf.get(U32, FloodFrames.IP_SRC);
                assertThat(ip >>> 22).as("source within 100.64.0.0/10").isEqualTo(FloodFrames.parseIp("100.64.0.0") >>> 22);
                int sport = buf.get(U16, FloodFrames.TCP_SPORT) & 0xffff;
                assertThat(sport).isBetween(1024, 65535);
                assertThat(buf.get(U32, FloodFrames.IP_DST)).isEqualTo(DST);
                int flags = buf.get(ValueLayout.JAVA_BYTE, FloodFrames.TCP_FLAGS);
                assertThat(flags).isIn(0x02, 0x10, 0x04);
            }
        }
        assertThat(src.syns + src.acks + src.rsts).isEqualTo(2000);
        // weights 6:2:2 over 2000 frames: each share within a generous band
        assertThat(src.syns).isBetween(1050L, 1350L);
        assertThat(src.acks).isBetween(280L, 520L);
        assertThat(src.rsts).isBetween(280L, 520L);
    }

    @Test
    void fixedSourceKeepsTheAddressAndVariesThePort() {
        int fixed = FloodFrames.parseIp("192.0.2.7");
        FloodSpec spec = new FloodSpec("x", SRC_MAC, DST_MAC, DST, 80, fixed, 32, true, 1, 0, 0, OsProfile.MACOS,
                false, 0, 1, 1000, 5);
        FrameSource src = new FrameSource(spec);
        MemorySegment buf = MemorySegment.ofArray(new byte[256]);
        java.util.Set<Integer> ports = new java.util.HashSet<>();
        for (int i = 0; i < 100; i++) {
            src.write(buf, 0, i);
            assertThat(buf.get(U32, FloodFrames.IP_SRC)).isEqualTo(fixed);
            ports.add(buf.get(U16, FloodFrames.TCP_SPORT) & 0xffff);
        }
        assertThat(ports).hasSizeGreaterThan(90);
    }

    @Test
    void sameSeedSameFrames() {
        FloodSpec spec = new FloodSpec("x", SRC_MAC, DST_MAC, DST, 80, 0, 0, false, 1, 1, 1, OsProfile.BARE, false,
                0, 1, 10, 99);
        FrameSource a = new FrameSource(spec);
        FrameSource b = new FrameSource(spec);
        MemorySegment x = MemorySegment.ofArray(new byte[256]);
        MemorySegment y = MemorySegment.ofArray(new byte[256]);
        for (int i = 0; i < 50; i++) {
            a.write(x, 0, i);
            b.write(y, 0, i);
            assertThat(x.mismatch(y)).isEqualTo(-1);
        }
    }
}
