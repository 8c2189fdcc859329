package dev.portcullis.relay;

/**
 * IPv6 text in the canonical form of RFC 5952 §4: lower-case hex, no leading zeros, the longest run of two or
 * more zero groups (the first of equal runs) shortened to "::" — what inet_ntop writes, and what PROXY v1 peers
 * expect to parse.
 */
final class Ipv6Text {
    private Ipv6Text() {}

    static StringBuilder append(StringBuilder sb, long hi, long lo) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            g[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1, bestLen = 1; // RFC 5952 §4.2.2: a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLen) sb.append(':');
            sb.append(Integer.toHexString(g[i]));
        }
        return sb;
    }

    static String format(long hi, long lo) {
        return append(new StringBuilder(40), hi, lo).toString();
    }
}
