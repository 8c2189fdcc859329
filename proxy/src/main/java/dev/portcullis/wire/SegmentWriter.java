package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * Builds an Ethernet (+802.1Q) + IPv4/IPv6 + TCP frame from an {@link OutSegment} in place in the caller's
 * buffer: a SYN-ACK, an ACK, a RST or a data segment are all this one path with different fields. Every checksum
 * is complete (nothing on TX fills them in, MACHINE-FACTS) unless {@link OutSegment#partialChecksum} asks for the
 * offload form, where the TCP checksum holds the pseudo-header sum and the payload may be copied in by the
 * caller ({@link OutSegment#externalPayloadLength}). Allocates nothing.
 *
 * <p>Options are laid out as Linux's {@code tcp_options_write} does, so that the 4-byte words stay aligned:
 * {@code MSS}, then {@code SACK_PERM+TS} (or {@code NOP NOP TS}, or {@code NOP NOP SACK_PERM}), then
 * {@code NOP WS}, then {@code NOP NOP SACK blocks}. SACK blocks that do not fit in the 40 option bytes are
 * dropped from the end.
 */
public final class SegmentWriter {
    /** Bytes of TCP options at most (RFC 9293 §3.1: data offset 15). */
    public static final int MAX_OPTIONS = 40;

    private static final int NOP = TcpView.OPT_NOP;

    private SegmentWriter() {
    }

    /** The TCP header length {@code s} will get (20 + options, a multiple of 4). */
    public static int tcpHeaderLength(OutSegment s) {
        int opts = 0;
        if (s.mss >= 0) opts += 4;
        if (s.hasTimestamp || s.sackPermitted) opts += s.hasTimestamp ? 12 : 4;
        if (s.windowScale >= 0) opts += 4;
        return TcpView.MIN_HEADER_LENGTH + opts + sackBytes(s, opts);
    }

    private static int sackBytes(OutSegment s, int used) {
        int n = sackBlocks(s, used);
        return n == 0 ? 0 : 4 + n * TcpOptions.SACK_BLOCK_LENGTH;
    }

    private static int sackBlocks(OutSegment s, int used) {
        if (s.sackBlockCount <= 0) return 0;
        int fit = (MAX_OPTIONS - used - 4) / TcpOptions.SACK_BLOCK_LENGTH;
        return Math.max(0, Math.min(Math.min(s.sackBlockCount, s.sackLeft.length), fit));
    }

    /** The whole frame's length for {@code s}. */
    public static int frameLength(OutSegment s) {
        return EthernetView.headerLength(s.vlanTci)
            + (s.ipVersion == 6 ? Ipv6View.HEADER_LENGTH : Ipv4View.MIN_HEADER_LENGTH)
            + tcpHeaderLength(s) + s.payloadLength();
    }

    /**
     * Writes the frame at {@code offset}; returns its length, or -1 when it does not fit in {@code capacity} (or
     * in the buffer, or in an IPv4 total length / IPv6 payload length). Nothing is written when it returns -1.
     */
    public static int write(OutSegment s, MemorySegment buf, long offset, int capacity) {
        int tcpLen = tcpHeaderLength(s);
        int l4Len = tcpLen + s.payloadLength();
        boolean v6 = s.ipVersion == 6;
        int ipLen = v6 ? Ipv6View.HEADER_LENGTH : Ipv4View.MIN_HEADER_LENGTH;
        int ethLen = EthernetView.headerLength(s.vlanTci);
        int total = ethLen + ipLen + l4Len;
        if (total > capacity || ipLen + l4Len > 0xffff + (v6 ? Ipv6View.HEADER_LENGTH : 0)) return -1;
        if (offset < 0 || offset > buf.byteSize() - total) return -1;   // capacity larger than the buffer
        if (s.externalPayloadLength != 0 && (!s.partialChecksum || s.externalPayloadLength < 0)) return -1;

        int etherType = v6 ? EthernetView.ETHERTYPE_IPV6 : EthernetView.ETHERTYPE_IPV4;
        long p = offset + EthernetView.write(buf, offset, s.dstMac, s.srcMac, s.vlanTci, etherType);
        long pseudo;
        if (v6) {
            Ipv6View.write(buf, p, s.trafficClass, l4Len, Ipv6View.NH_TCP, s.ttl, s.srcHi, s.srcLo, s.dstHi, s.dstLo);
            pseudo = Checksum.pseudoV6(s.srcHi, s.srcLo, s.dstHi, s.dstLo, Ipv6View.NH_TCP, l4Len);
        } else {
            Ipv4View.write(buf, p, s.trafficClass, ipLen + l4Len, s.ttl, Ipv4View.PROTO_TCP, (int) s.srcLo, (int) s.dstLo);
            pseudo = Checksum.pseudoV4((int) s.srcLo, (int) s.dstLo, Ipv4View.PROTO_TCP, l4Len);
        }
        long t = p + ipLen;
        Bytes.put16(buf, t + TcpView.SRC_PORT_OFFSET, s.srcPort);
        Bytes.put16(buf, t + TcpView.DST_PORT_OFFSET, s.dstPort);
        Bytes.put32(buf, t + TcpView.SEQ_OFFSET, s.seq);
        Bytes.put32(buf, t + TcpView.ACK_OFFSET, s.ack);
        Bytes.put16(buf, t + TcpView.DATA_OFFSET_OFFSET, ((tcpLen / 4) << 12) | (s.flags & 0xff));
        Bytes.put16(buf, t + TcpView.WINDOW_OFFSET, s.window);
        Bytes.put32(buf, t + TcpView.CHECKSUM_OFFSET, 0);  // checksum and urgent pointer
        writeOptions(s, buf, t + TcpView.MIN_HEADER_LENGTH);
        long data = t + tcpLen;
        if (s.payload1Length > 0) {
            MemorySegment.copy(s.payload1, s.payload1Offset, buf, data, s.payload1Length);
        }
        if (s.payload2Length > 0) {
            MemorySegment.copy(s.payload2, s.payload2Offset, buf, data + s.payload1Length, s.payload2Length);
        }
        if (s.partialChecksum) {
            // CHECKSUM_PARTIAL's form (Linux tcp_v4_send_check): the pseudo-header sum, over the whole frame's
            // length; whoever finishes it sums from the TCP header on and stores the complement
            Bytes.put16(buf, t + TcpView.CHECKSUM_OFFSET, Checksum.fold(pseudo));
        } else {
            Bytes.put16(buf, t + TcpView.CHECKSUM_OFFSET, Checksum.finish(Checksum.sum(buf, t, l4Len, pseudo)));
        }
        return total;
    }

    private static void writeOptions(OutSegment s, MemorySegment buf, long p) {
        int used = 0;
        if (s.mss >= 0) {
            Bytes.put32(buf, p, (TcpView.OPT_MSS << 24) | (TcpOptions.MSS_LENGTH << 16) | (s.mss & 0xffff));
            p += 4;
            used += 4;
        }
        if (s.hasTimestamp) {
            int lead = s.sackPermitted ? (TcpView.OPT_SACK_PERM << 8) | TcpOptions.SACK_PERM_LENGTH : (NOP << 8) | NOP;
            Bytes.put32(buf, p, (lead << 16) | (TcpView.OPT_TIMESTAMP << 8) | TcpOptions.TIMESTAMP_LENGTH);
            Bytes.put32(buf, p + 4, s.tsVal);
            Bytes.put32(buf, p + 8, s.tsEcr);
            p += 12;
            used += 12;
        } else if (s.sackPermitted) {
            Bytes.put32(buf, p, (NOP << 24) | (NOP << 16) | (TcpView.OPT_SACK_PERM << 8) | TcpOptions.SACK_PERM_LENGTH);
            p += 4;
            used += 4;
        }
        if (s.windowScale >= 0) {
            Bytes.put32(buf, p, (NOP << 24) | (TcpView.OPT_WSCALE << 16) | (TcpOptions.WSCALE_LENGTH << 8)
                | (s.windowScale & 0xff));
            p += 4;
            used += 4;
        }
        int n = sackBlocks(s, used);
        if (n > 0) {
            Bytes.put32(buf, p, (NOP << 24) | (NOP << 16) | (TcpView.OPT_SACK << 8) | (2 + n * 8));
            p += 4;
            for (int i = 0; i < n; i++) {
                Bytes.put32(buf, p, s.sackLeft[i]);
                Bytes.put32(buf, p + 4, s.sackRight[i]);
                p += 8;
            }
        }
    }
}
