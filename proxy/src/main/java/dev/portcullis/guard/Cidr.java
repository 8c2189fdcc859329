package dev.portcullis.guard;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * One CIDR block in the 128-bit address space of {@code docs/CONTRACTS.md}: IPv4 blocks are written in the
 * IPv4-mapped form ({@code ::ffff:a.b.c.d}), so "10.0.0.0/8" is the 128-bit block {@code ::ffff:10.0.0.0/104}.
 *
 * @param hi     high 64 bits of the first address (host bits cleared)
 * @param lo     low 64 bits of the first address
 * @param bits   prefix length in the 128-bit space (IPv4 prefix + 96)
 * @param text   the block as written in the configuration
 */
public record Cidr(long hi, long lo, int bits, String text) {
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    /**
     * "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128); null when the text is none of these or
     * has host bits set past the prefix (a likely typo: "10.1.2.3/8" is refused rather than guessed). No DNS.
     */
    public static Cidr parse(String text) {
        if (text == null) return null;
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        InetAddress a;
        try {
            if (IPV4.matcher(addr).matches()) a = InetAddress.getByName(addr);
            else if (addr.indexOf(':') >= 0 && IPV6_CHARS.matcher(addr).matches()) a = InetAddress.getByName(addr); // a ':' never looks up
            else return null;
        } catch (UnknownHostException e) {
            return null;
        }
        boolean v4 = a instanceof Inet4Address;
        int max = v4 ? 32 : 128;
        int len;
        if (slash < 0) {
            len = max;
        } else {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) return null;
            len = Integer.parseInt(p);
            if (len > max) return null;
        }
        byte[] b = a.getAddress();
        long hi, lo;
        if (v4) {
            hi = 0;
            lo = 0x0000_ffff_0000_0000L | (((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL));
        } else {
            hi = 0;
            lo = 0;
            for (int i = 0; i < 8; i++) hi = hi << 8 | (b[i] & 0xff);
            for (int i = 8; i < 16; i++) lo = lo << 8 | (b[i] & 0xff);
        }
        int bits = v4 ? len + 96 : len;
        if ((hi & ~maskHi(bits)) != 0 || (lo & ~maskLo(bits)) != 0) return null;
        return new Cidr(hi, lo, bits, s);
    }

    /** The mask of the high 64 bits for a prefix of {@code bits} (0..128). */
    static long maskHi(int bits) {
        return bits >= 64 ? -1L : bits == 0 ? 0 : -1L << (64 - bits);
    }

    /** The mask of the low 64 bits for a prefix of {@code bits} (0..128). */
    static long maskLo(int bits) {
        return bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
    }

    /** The last address of the block, high half. */
    long lastHi() {
        return hi | ~maskHi(bits);
    }

    /** The last address of the block, low half. */
    long lastLo() {
        return lo | ~maskLo(bits);
    }

    public boolean contains(long h, long l) {
        return (h & maskHi(bits)) == hi && (l & maskLo(bits)) == lo;
    }

    @Override
    public String toString() {
        return text;
    }
}
