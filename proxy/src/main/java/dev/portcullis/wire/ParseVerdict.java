package dev.portcullis.wire;

/**
 * What {@link FrameParser#parse} made of a frame: {@link #OK} or one reason for rejecting it. Callers keep
 * {@code long[ParseVerdict.COUNT]} drop counters indexed by the verdict, and {@link #name} names them for metrics.
 */
public final class ParseVerdict {
    /** The frame was decoded; {@link ParsedFrame#kind} says what it is. */
    public static final int OK = 0;
    /** The offset/length given to the parser lie outside the segment (a caller bug, counted, not thrown). */
    public static final int BAD_BOUNDS = 1;
    /** Shorter than an Ethernet header (14 bytes, 18 with an 802.1Q tag). */
    public static final int TRUNCATED_ETHERNET = 2;
    /** An EtherType other than IPv4, IPv6 or ARP (after at most one 802.1Q tag). */
    public static final int UNSUPPORTED_ETHERTYPE = 3;
    /** ARP shorter than its 28 bytes. */
    public static final int TRUNCATED_ARP = 4;
    /** ARP for another hardware/protocol pair than Ethernet/IPv4, or wrong address lengths. */
    public static final int BAD_ARP = 5;
    /** Shorter than the fixed IP header (20 bytes IPv4, 40 bytes IPv6). */
    public static final int TRUNCATED_IP = 6;
    /** The IP version nibble does not match the EtherType. */
    public static final int BAD_IP_VERSION = 7;
    /** IPv4 IHL below 5, or the header it announces runs past the frame or past the total length. */
    public static final int BAD_IHL = 8;
    /** IPv4 total length 0 (without GSO) or larger than the frame; IPv6 payload length larger than the frame. */
    public static final int BAD_IP_LENGTH = 9;
    /** More IPv6 extension headers than {@link FrameParser#MAX_EXT_HEADERS}. */
    public static final int TOO_MANY_EXT_HEADERS = 10;
    /** An IPv6 extension header that runs past the packet. */
    public static final int TRUNCATED_EXT_HEADER = 11;
    /** An IP fragment at a non-zero offset: it carries no ports (DESIGN: drop and count). */
    public static final int NON_FIRST_FRAGMENT = 12;
    /** The first fragment of a fragmented packet: ports are filled in, but the segment is incomplete. */
    public static final int FIRST_FRAGMENT = 13;
    /** An upper-layer protocol other than TCP, ICMPv4 or ICMPv6 (including ESP and No Next Header). */
    public static final int UNSUPPORTED_PROTOCOL = 14;
    /** Fewer than 20 bytes of TCP header. */
    public static final int TRUNCATED_TCP = 15;
    /** TCP data offset below 5, or a header longer than the segment. */
    public static final int BAD_DATA_OFFSET = 16;
    /** A TCP option with length 0 or 1, or one that runs past the header. */
    public static final int BAD_TCP_OPTION = 17;
    /** An ICMP message shorter than its type needs. */
    public static final int TRUNCATED_ICMP = 18;
    /** A neighbour solicitation/advertisement that RFC 4861 §7.1 says to discard (hop limit, code, options). */
    public static final int BAD_ND = 19;

    /** Number of verdicts: size of a counter array indexed by verdict. */
    public static final int COUNT = 20;

    private static final String[] NAMES = {
        "ok", "bad_bounds", "truncated_ethernet", "unsupported_ethertype", "truncated_arp", "bad_arp",
        "truncated_ip", "bad_ip_version", "bad_ihl", "bad_ip_length", "too_many_ext_headers",
        "truncated_ext_header", "non_first_fragment", "first_fragment", "unsupported_protocol", "truncated_tcp",
        "bad_data_offset", "bad_tcp_option", "truncated_icmp", "bad_nd",
    };

    private ParseVerdict() {
    }

    /** A lower-case name for metrics and logs; {@code "unknown"} for a value out of range. */
    public static String name(int verdict) {
        return verdict >= 0 && verdict < COUNT ? NAMES[verdict] : "unknown";
    }
}
