package dev.portcullis.metrics;

/**
 * 128-bit addresses (IPv4-mapped for IPv4, as in the snapshots) as text: dotted quads, and IPv6 in the RFC 5952
 * form (lower case, the longest run of two or more zero groups as "::"). metrics knows no other package, so
 * this small formatter lives here.
 */
final class AddressText {
    private AddressText() {}

    static boolean isV4(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xffffL;
    }

    static String address(long hi, long lo) {
        if (isV4(hi, lo)) {
            return ((lo >>> 24) & 255) + "." + ((lo >>> 16) & 255) + "." + ((lo >>> 8) & 255) + "." + (lo & 255);
        }
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            g[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        int bestAt = -1, bestLen = 1; // RFC 5952 §4.2.2: a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
            i = j;
        }
        StringBuilder b = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestAt) {
                b.append("::");
                i += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') b.append(':');
            b.append(Integer.toHexString(g[i]));
        }
        return b.toString();
    }

    /** A /24 (IPv4) or /48 (IPv6) prefix given by its first address. */
    static String prefix(long hi, long lo) {
        return address(hi, lo) + (isV4(hi, lo) ? "/24" : "/48");
    }
}
