package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * Writes IPv6 neighbour advertisements (RFC 4861 §4.4, §7.2.4) in place: the answer to a solicitation for a VIP
 * and the unsolicited advertisement sent at start (§7.2.6). Hop limit 255 (receivers drop anything else,
 * §7.1.2), a target link-layer address option, the ICMPv6 checksum complete. Frames are 86 bytes (90 tagged).
 * Each method returns the frame length or -1 when {@code capacity} is too small.
 */
public final class NdWriter {
    /** ICMPv6 header (8) + target (16) + target link-layer address option (8). */
    public static final int NA_LENGTH = 32;
    /** ff02::1, the all-nodes multicast address. */
    public static final long ALL_NODES_HI = 0xff02_0000_0000_0000L;
    public static final long ALL_NODES_LO = 1L;
    /** 33:33:00:00:00:01, its Ethernet multicast address (RFC 2464 §7). */
    public static final long ALL_NODES_MAC = 0x3333_0000_0001L;

    private NdWriter() {
    }

    /**
     * An advertisement for {@code targetHi/Lo} at {@code ourMac}, from the target address to
     * {@code dstMac}/{@code dstHi/Lo}, with the given R/S/O {@code flags} ({@link IcmpView#NA_FLAG_SOLICITED}...).
     */
    public static int advertisement(MemorySegment buf, long offset, int capacity, long ourMac, long targetHi,
                                    long targetLo, long dstMac, long dstHi, long dstLo, int flags, int vlanTci) {
        int len = EthernetView.headerLength(vlanTci) + Ipv6View.HEADER_LENGTH + NA_LENGTH;
        if (len > capacity || offset < 0 || offset > buf.byteSize() - len) return -1;
        long p = offset + EthernetView.write(buf, offset, dstMac, ourMac, vlanTci, EthernetView.ETHERTYPE_IPV6);
        Ipv6View.write(buf, p, 0, NA_LENGTH, Ipv6View.NH_ICMPV6, 255, targetHi, targetLo, dstHi, dstLo);
        long icmp = p + Ipv6View.HEADER_LENGTH;
        Bytes.put32(buf, icmp, IcmpView.V6_NEIGHBOR_ADVERTISEMENT << 24);   // type, code 0, checksum 0
        Bytes.put32(buf, icmp + IcmpView.REST_OFFSET, flags);
        Bytes.put64(buf, icmp + IcmpView.ND_TARGET_OFFSET, targetHi);
        Bytes.put64(buf, icmp + IcmpView.ND_TARGET_OFFSET + 8, targetLo);
        Bytes.put8(buf, icmp + IcmpView.ND_OPTIONS_OFFSET, IcmpView.ND_OPT_TARGET_LLA);
        Bytes.put8(buf, icmp + IcmpView.ND_OPTIONS_OFFSET + 1, 1);
        Bytes.putMac(buf, icmp + IcmpView.ND_OPTIONS_OFFSET + 2, ourMac);
        long pseudo = Checksum.pseudoV6(targetHi, targetLo, dstHi, dstLo, Ipv6View.NH_ICMPV6, NA_LENGTH);
        Bytes.put16(buf, icmp + IcmpView.CHECKSUM_OFFSET, Checksum.finish(Checksum.sum(buf, icmp, NA_LENGTH, pseudo)));
        return len;
    }

    /**
     * The answer to a parsed solicitation for an address we own (its target). RFC 4861 §7.2.4: to the
     * solicitation's source with S and O set; when that source is unspecified (duplicate address detection), to
     * all-nodes with S clear.
     */
    public static int advertisement(ParsedFrame ns, long ourMac, MemorySegment buf, long offset, int capacity) {
        boolean unspecified = ns.srcHi == 0 && ns.srcLo == 0;
        if (unspecified) {
            return advertisement(buf, offset, capacity, ourMac, ns.ndTargetHi, ns.ndTargetLo, ALL_NODES_MAC,
                ALL_NODES_HI, ALL_NODES_LO, IcmpView.NA_FLAG_OVERRIDE, ns.vlanTci);
        }
        long dstMac = ns.ndSourceLinkAddr >= 0 ? ns.ndSourceLinkAddr : ns.srcMac;
        return advertisement(buf, offset, capacity, ourMac, ns.ndTargetHi, ns.ndTargetLo, dstMac, ns.srcHi, ns.srcLo,
            IcmpView.NA_FLAG_SOLICITED | IcmpView.NA_FLAG_OVERRIDE, ns.vlanTci);
    }

    /** An unsolicited advertisement of {@code hi/lo} at {@code ourMac} to all nodes, O set (§7.2.6). */
    public static int unsolicited(MemorySegment buf, long offset, int capacity, long ourMac, long hi, long lo,
                                  int vlanTci) {
        return advertisement(buf, offset, capacity, ourMac, hi, lo, ALL_NODES_MAC, ALL_NODES_HI, ALL_NODES_LO,
            IcmpView.NA_FLAG_OVERRIDE, vlanTci);
    }
}
