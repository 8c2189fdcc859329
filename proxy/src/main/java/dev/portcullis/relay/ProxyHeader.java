package dev.portcullis.relay;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * PROXY protocol headers (haproxy's proxy-protocol.txt, version 1 text and version 2 binary) for a TCP
 * connection, written to the backend before the client's first byte. Addresses come as 128-bit pairs; an
 * IPv4-mapped address ({@code ::ffff:a.b.c.d}) is sent as TCP4 / AF_INET, anything else as TCP6 / AF_INET6.
 */
public final class ProxyHeader {
    /** The 12-byte v2 signature: \r\n\r\n\0\r\nQUIT\n (proxy-protocol.txt §2.2). */
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    static final int V2_VERSION_PROXY = 0x21;       // version 2, command PROXY
    static final int V2_TCP4 = 0x11, V2_TCP6 = 0x21; // AF_INET/AF_INET6 + STREAM
    static final int V2_LEN_TCP4 = 12, V2_LEN_TCP6 = 36;

    private ProxyHeader() {}

    /** "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n" (§2.1); at most 107 bytes. */
    public static void writeV1(ByteBuf out, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort) {
        boolean v4 = isV4(srcHi, srcLo) && isV4(dstHi, dstLo);
        StringBuilder sb = new StringBuilder(108).append(v4 ? "PROXY TCP4 " : "PROXY TCP6 ");
        appendAddress(sb, srcHi, srcLo, v4).append(' ');
        appendAddress(sb, dstHi, dstLo, v4).append(' ');
        sb.append(srcPort & 0xffff).append(' ').append(dstPort & 0xffff).append("\r\n");
        out.writeCharSequence(sb, StandardCharsets.US_ASCII);
    }

    /** The binary form (§2.2): signature, 0x21, family, length, addresses, ports, all big-endian. */
    public static void writeV2(ByteBuf out, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort) {
        boolean v4 = isV4(srcHi, srcLo) && isV4(dstHi, dstLo);
        out.writeBytes(V2_SIGNATURE);
        out.writeByte(V2_VERSION_PROXY);
        if (v4) {
            out.writeByte(V2_TCP4).writeShort(V2_LEN_TCP4);
            out.writeInt((int) srcLo).writeInt((int) dstLo);
        } else {
            out.writeByte(V2_TCP6).writeShort(V2_LEN_TCP6);
            out.writeLong(srcHi).writeLong(srcLo).writeLong(dstHi).writeLong(dstLo);
        }
        out.writeShort(srcPort).writeShort(dstPort);
    }

    static boolean isV4(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xffffL;
    }

    private static StringBuilder appendAddress(StringBuilder sb, long hi, long lo, boolean v4) {
        if (v4) {
            return sb.append((lo >>> 24) & 0xff).append('.').append((lo >>> 16) & 0xff).append('.')
                    .append((lo >>> 8) & 0xff).append('.').append(lo & 0xff);
        }
        return Ipv6Text.append(sb, hi, lo);
    }
}
