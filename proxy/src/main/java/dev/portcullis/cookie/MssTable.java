package dev.portcullis.cookie;

/**
 * The MSS values a SYN cookie can carry: 2 bits of the cookie index one of four per family. The client's MSS is
 * rounded down to the largest entry that does not exceed it (or to the smallest entry when it is below all), as
 * Linux's {@code __cookie_v4_init_sequence} / {@code __cookie_v6_init_sequence} do.
 *
 * <p>Reasons for the values, as Linux gives them:
 * <ul>
 * <li>IPv4 ({@code net/ipv4/syncookies.c}) follows S. Alcock and R. Nelson, "An Analysis of TCP Maximum Segment
 *     Sizes" (2011): values below 536 are rare (&lt; 0.2%), 537..1299 under 1.5%, 1300..1349 some 15-20% (tunnels,
 *     broken path MTU), above 1460 very rare (&lt; 0.04%), and 1460 (Ethernet) is the most common announcement
 *     (30-46%). 1440 covers 1440/1452, PPPoE. 536 is also the RFC 9293 §3.7.1 default when no MSS is sent.</li>
 * <li>IPv6 ({@code net/ipv6/syncookies.c}): RFC 8200 §5 makes 1280 the minimum link MTU, so the smallest MSS is
 *     1280 - 60 = 1220 (40 IPv6 + 20 TCP); then 1480 - 60 (a common encapsulation, PPPoE/tunnels),
 *     1500 - 60 (Ethernet) and 9000 - 60 (jumbo frames).</li>
 * </ul>
 */
public final class MssTable {
    /** Entries per family (2 bits of the cookie). */
    public static final int SIZE = 4;

    private static final int[] V4 = {536, 1300, 1440, 1460};
    private static final int[] V6 = {1280 - 60, 1480 - 60, 1500 - 60, 9000 - 60};

    private MssTable() {
    }

    /**
     * The index of the largest table MSS not above {@code clientMss}; 0 when it is below every entry or absent
     * ({@code clientMss < 0}: RFC 9293 §3.7.1 says to assume 536 for IPv4, RFC 8200 §8.3 gives 1220 for IPv6).
     */
    public static int indexFor(int clientMss, boolean ipv6) {
        int[] t = ipv6 ? V6 : V4;
        for (int i = SIZE - 1; i > 0; i--) {
            if (clientMss >= t[i]) return i;
        }
        return 0;
    }

    /** The MSS at {@code index} (0..3) for the family; -1 for an index out of range. */
    public static int mss(int index, boolean ipv6) {
        if (index < 0 || index >= SIZE) return -1;
        return ipv6 ? V6[index] : V4[index];
    }
}
