package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of the data taken as
 * big-endian 16-bit words. Sums are kept unfolded in a {@code long} (a 64-bit one's complement accumulator, which
 * RFC 1071 §2(B) shows folds to the same 16-bit sum) so that pieces (pseudo-header, header, payload) can be added
 * in any order and folded once at the end.
 *
 * <p>Checking is a separate step from parsing: frames from the ring often carry partial checksums that the
 * kernel vouches for ({@code TP_STATUS_CSUMNOTREADY}), and the shard skips the check for them.
 */
public final class Checksum {
    private Checksum() {
    }

    /** One's complement addition of two 64-bit partial sums (the carry out of bit 63 wraps around). */
    public static long add(long acc, long word) {
        long r = acc + word;
        return r + (Long.compareUnsigned(r, word) < 0 ? 1 : 0);
    }

    /**
     * Adds {@code len} bytes at {@code off} to the accumulator. An odd final byte is padded with a zero byte on
     * the right (RFC 1071 §4.1), so only the last piece of a message may have an odd length.
     */
    public static long sum(MemorySegment s, long off, int len, long acc) {
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            acc = add(acc, Bytes.i64(s, off + i));
        }
        if (i + 4 <= len) {
            acc = add(acc, Bytes.i32(s, off + i) & 0xffff_ffffL);
            i += 4;
        }
        if (i + 2 <= len) {
            acc = add(acc, Bytes.u16(s, off + i));
            i += 2;
        }
        if (i < len) {
            acc = add(acc, (long) Bytes.u8(s, off + i) << 8);
        }
        return acc;
    }

    /** Folds a 64-bit accumulator to the 16-bit one's complement sum (not yet complemented). */
    public static int fold(long acc) {
        long s = (acc >>> 32) + (acc & 0xffff_ffffL);   // at most 33 bits
        s = (s >>> 32) + (s & 0xffff_ffffL);
        s = (s >>> 16) + (s & 0xffff);
        s = (s >>> 16) + (s & 0xffff);
        return (int) s;
    }

    /** The value to store in a checksum field: the complement of the folded sum. */
    public static int finish(long acc) {
        return ~fold(acc) & 0xffff;
    }

    /** The IPv4 pseudo-header (RFC 9293 §3.1): source, destination, zero + protocol, upper-layer length. */
    public static long pseudoV4(int src, int dst, int proto, int l4Length) {
        long acc = (src & 0xffff_ffffL) + (dst & 0xffff_ffffL);
        return acc + proto + (l4Length & 0xffff_ffffL);
    }

    /** The IPv6 pseudo-header (RFC 8200 §8.1): addresses, 32-bit upper-layer length, next header. */
    public static long pseudoV6(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader, int l4Length) {
        long acc = add(srcHi, srcLo);
        acc = add(acc, dstHi);
        acc = add(acc, dstLo);
        return add(acc, (l4Length & 0xffff_ffffL) + nextHeader);
    }

    /** The pseudo-header of a parsed frame's family, for its {@link ParsedFrame#l4Length}. */
    public static long pseudo(ParsedFrame f, int proto) {
        return f.ipVersion == 4
            ? pseudoV4((int) f.srcLo, (int) f.dstLo, proto, f.l4Length)
            : pseudoV6(f.srcHi, f.srcLo, f.dstHi, f.dstLo, proto, f.l4Length);
    }

    /**
     * Verifies the TCP checksum (with the pseudo-header), the ICMPv6 checksum (with the pseudo-header, RFC 4443
     * §2.3) or the ICMPv4 checksum (without, RFC 792) of a frame the parser accepted. False for other kinds.
     */
    public static boolean verifyL4(ParsedFrame f) {
        long acc;
        switch (f.kind) {
            case ParsedFrame.KIND_TCP -> acc = pseudo(f, Ipv4View.PROTO_TCP);
            case ParsedFrame.KIND_ICMP6 -> acc = pseudo(f, Ipv6View.NH_ICMPV6);
            case ParsedFrame.KIND_ICMP4 -> acc = 0;
            default -> {
                return false;
            }
        }
        return fold(sum(f.frame, f.l4Offset, f.l4Length, acc)) == 0xffff;
    }

    /** Verifies the IPv4 header checksum of a parsed IPv4 frame (true for IPv6, which has none). */
    public static boolean verifyIpv4Header(ParsedFrame f) {
        if (f.ipVersion != 4) return true;
        int hl = (int) (f.l4Offset - f.l3Offset);
        return fold(sum(f.frame, f.l3Offset, hl, 0)) == 0xffff;
    }

    /**
     * Incremental update (RFC 1624 §3, eqn. 3: HC' = ~(~HC + ~m + m')) of a checksum field when one 16-bit word
     * of the covered data changes from {@code oldWord} to {@code newWord}. Eqn. 3 rather than RFC 1141's eqn. 2,
     * which can give 0x0000 where a full recomputation gives 0xFFFF (RFC 1624 §4).
     */
    public static int adjust16(int checksum, int oldWord, int newWord) {
        long s = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return ~fold(s) & 0xffff;
    }

    /** {@link #adjust16} for a 32-bit field (an IPv4 address, a sequence number): two words at once. */
    public static int adjust32(int checksum, int oldValue, int newValue) {
        long s = (~checksum & 0xffff)
            + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
            + ((newValue >>> 16) & 0xffff) + (newValue & 0xffff);
        return ~fold(s) & 0xffff;
    }
}
