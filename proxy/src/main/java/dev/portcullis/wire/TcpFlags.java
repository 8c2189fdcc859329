package dev.portcullis.wire;

/** The TCP header's flag bits (RFC 9293 §3.1, RFC 3168 §6.1 for ECE and CWR), as in byte 13 of the header. */
public final class TcpFlags {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    private TcpFlags() {
    }

    /** True when every bit of {@code mask} is set in {@code flags}. */
    public static boolean has(int flags, int mask) {
        return (flags & mask) == mask;
    }

    /** The flags as tcpdump writes them, e.g. {@code "S."} for SYN+ACK (for logs and test messages). */
    public static String toString(int flags) {
        StringBuilder b = new StringBuilder(8);
        if ((flags & SYN) != 0) b.append('S');
        if ((flags & FIN) != 0) b.append('F');
        if ((flags & RST) != 0) b.append('R');
        if ((flags & PSH) != 0) b.append('P');
        if ((flags & URG) != 0) b.append('U');
        if ((flags & ECE) != 0) b.append('E');
        if ((flags & CWR) != 0) b.append('W');
        if ((flags & ACK) != 0) b.append('.');
        return b.isEmpty() ? "none" : b.toString();
    }
}
