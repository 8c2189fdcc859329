package dev.portcullis.loadtest.flood;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Builds and stamps the flood's frames: Ethernet + IPv4 (DF) + TCP with options, no payload. A template per kind
 * and profile is built once; per frame the generator copies it and stamps the varying fields (source address and
 * port, sequence and acknowledgment numbers, IP id, TSval) and both checksums, complete (RFC 791 §3.1 header
 * checksum, RFC 9293 §3.1 TCP checksum over the pseudo-header), since nothing on a packet socket's TX path fills
 * them in.
 * <pre>
 *  0      Ethernet: dst MAC(6) src MAC(6) type 0x0800
 *  14     IPv4: 0x45 tos | total length | id | 0x4000 (DF) | ttl 6 | checksum@24 | src@26 | dst@30
 *  34     TCP: sport | dport | seq@38 | ack@42 | offset/flags@46 | window@48 | checksum@50 | urg@52 | options@54
 * </pre>
 */
public final class FloodFrames {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    public static final int ETH_LEN = 14;
    public static final int IP_OFF = ETH_LEN;
    public static final int IP_LEN = 20;
    public static final int IP_TOTAL_LEN = IP_OFF + 2;
    public static final int IP_ID = IP_OFF + 4;
    public static final int IP_CSUM = IP_OFF + 10;
    public static final int IP_SRC = IP_OFF + 12;
    public static final int IP_DST = IP_OFF + 16;
    public static final int TCP_OFF = IP_OFF + IP_LEN;
    public static final int TCP_SPORT = TCP_OFF;
    public static final int TCP_DPORT = TCP_OFF + 2;
    public static final int TCP_SEQ = TCP_OFF + 4;
    public static final int TCP_ACK = TCP_OFF + 8;
    public static final int TCP_FLAGS = TCP_OFF + 13;
    public static final int TCP_CSUM = TCP_OFF + 16;
    public static final int TCP_OPTS = TCP_OFF + 20;

    static final int SYN = 0x02, RST = 0x04, ACK = 0x10;

    private FloodFrames() {
    }

    /** A frame template: bytes with zero checksums plus where the per-frame TSval goes (or -1). */
    public record Template(FloodKind kind, OsProfile profile, byte[] bytes, int tsValAt, MemorySegment segment) {
        Template(FloodKind kind, OsProfile profile, byte[] bytes, int tsValAt) {
            this(kind, profile, bytes, tsValAt, MemorySegment.ofArray(bytes));
        }

        public int length() {
            return bytes.length;
        }
    }

    /**
     * The template for one kind of frame. SYNs carry the profile's options; ACKs (window 501, as a Linux peer's
     * scaled window) and RSTs carry none.
     */
    public static Template template(FloodKind kind, OsProfile profile, long srcMac, long dstMac, int dstIp, int dstPort) {
        int optLen = kind == FloodKind.SYN ? profile.optionsLength() : 0;
        int tcpLen = 20 + optLen;
        int len = TCP_OFF + tcpLen;
        byte[] b = new byte[len];
        MemorySegment s = MemorySegment.ofArray(b);
        putMac(s, 0, dstMac);
        putMac(s, 6, srcMac);
        s.set(U16, 12, (short) 0x0800);
        s.set(ValueLayout.JAVA_BYTE, IP_OFF, (byte) 0x45);
        s.set(U16, IP_TOTAL_LEN, (short) (IP_LEN + tcpLen));
        s.set(U16, IP_OFF + 6, (short) 0x4000);
        s.set(ValueLayout.JAVA_BYTE, IP_OFF + 8, (byte) profile.ttl);
        s.set(ValueLayout.JAVA_BYTE, IP_OFF + 9, (byte) 6);
        s.set(U32, IP_DST, dstIp);
        s.set(U16, TCP_DPORT, (short) dstPort);
        s.set(ValueLayout.JAVA_BYTE, TCP_OFF + 12, (byte) ((tcpLen / 4) << 4));
        int flags = switch (kind) {
            case SYN -> SYN;
            case ACK -> ACK;
            case RST -> RST;
        };
        s.set(ValueLayout.JAVA_BYTE, TCP_FLAGS, (byte) flags);
        int window = switch (kind) {
            case SYN -> profile.window;
            case ACK -> 501;
            case RST -> 0;
        };
        s.set(U16, TCP_OFF + 14, (short) window);
        int tsAt = -1;
        if (optLen > 0) {
            byte[] o = profile.options();
            System.arraycopy(o, 0, b, TCP_OPTS, o.length);
            if (profile.tsValOffset >= 0) tsAt = TCP_OPTS + profile.tsValOffset;
        }
        return new Template(kind, profile, b, tsAt);
    }

    /**
     * Stamps the varying fields of a frame already copied from {@code t} at {@code off}, then both checksums.
     * Allocates nothing.
     */
    public static void stamp(MemorySegment f, long off, Template t, int srcIp, int srcPort, int seq, int ack, int ipId,
                             int tsVal) {
        f.set(U16, off + IP_ID, (short) ipId);
        f.set(U32, off + IP_SRC, srcIp);
        f.set(U16, off + TCP_SPORT, (short) srcPort);
        f.set(U32, off + TCP_SEQ, seq);
        f.set(U32, off + TCP_ACK, t.kind() == FloodKind.ACK ? ack : 0);
        if (t.tsValAt() >= 0) f.set(U32, off + t.tsValAt(), tsVal);
        f.set(U16, off + IP_CSUM, (short) 0);
        f.set(U16, off + IP_CSUM, (short) fold(sum16(f, off + IP_OFF, IP_LEN, 0)));
        int tcpLen = t.length() - TCP_OFF;
        f.set(U16, off + TCP_CSUM, (short) 0);
        // Pseudo-header (RFC 9293 §3.1): source, destination, zero + protocol 6, TCP length.
        long sum = sum16(f, off + IP_SRC, 8, 6 + tcpLen);
        sum = sum16(f, off + TCP_OFF, tcpLen, sum);
        f.set(U16, off + TCP_CSUM, (short) fold(sum));
    }

    /** Adds 16-bit big-endian words (len even) to a running one's-complement sum. */
    static long sum16(MemorySegment s, long off, int len, long sum) {
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            int w = s.get(U32, off + i);
            sum += (w >>> 16) + (w & 0xffff);
        }
        for (; i + 2 <= len; i += 2) sum += s.get(U16, off + i) & 0xffff;
        if (i < len) sum += (s.get(ValueLayout.JAVA_BYTE, off + i) & 0xff) << 8;
        return sum;
    }

    /** Folds the carries and complements: the value to store in a checksum field. */
    static int fold(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (int) (~sum & 0xffff);
    }

    static void putMac(MemorySegment s, long off, long mac) {
        for (int i = 0; i < 6; i++) s.set(ValueLayout.JAVA_BYTE, off + i, (byte) (mac >>> (40 - 8 * i)));
    }

    /** "aa:bb:cc:dd:ee:ff" to the low 48 bits of a long. */
    public static long parseMac(String s) {
        String[] p = s.trim().split(":");
        if (p.length != 6) throw new IllegalArgumentException("not a MAC address: " + s);
        long m = 0;
        for (String x : p) m = (m << 8) | Integer.parseInt(x, 16);
        return m;
    }

    /** Dotted quad to an int in network order. */
    public static int parseIp(String s) {
        String[] p = s.trim().split("\\.");
        if (p.length != 4) throw new IllegalArgumentException("not an IPv4 address: " + s);
        int a = 0;
        for (String x : p) {
            int v = Integer.parseInt(x);
            if (v < 0 || v > 255) throw new IllegalArgumentException("not an IPv4 address: " + s);
            a = (a << 8) | v;
        }
        return a;
    }

    public static String ipString(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }
}
