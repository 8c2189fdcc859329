package dev.portcullis.tcp;

import dev.portcullis.wire.ParsedFrame;

/**
 * Path MTU discovery: ICMPv4 "fragmentation needed" (RFC 1191) and ICMPv6 "packet too big" (RFC 8201) lower
 * the MSS of the connection they quote, after the checks of RFC 5927 §4.1 (the quoted sequence number must be
 * one we sent and that is not yet acknowledged).
 */
final class Icmp {
    private static final int V4_UNREACH = 3, V4_FRAG_NEEDED = 4, V6_TOO_BIG = 2;
    private static final int V4_MIN_MTU = 552, V6_MIN_MTU = 1280; // Linux's min_pmtu / RFC 8200 §5

    private Icmp() {}

    static void onIcmp(EngineCore core, ParsedFrame f) {
        boolean v6 = f.kind == ParsedFrame.KIND_ICMP6;
        boolean pmtu = v6 ? f.icmpType == V6_TOO_BIG : f.icmpType == V4_UNREACH && f.icmpCode == V4_FRAG_NEEDED;
        if (!pmtu || !f.icmpHasInner) {
            core.ctr.icmpIgnored++;
            return;
        }
        // the quoted segment is one of ours: source = our VIP and port, destination = the peer
        int vip = core.cfg.vipIndex(f.innerSrcHi, f.innerSrcLo);
        if (vip < 0) {
            core.ctr.icmpIgnored++;
            return;
        }
        int ports = (f.innerDstPort << 16) | f.innerSrcPort;
        int slot = core.connTable.get(f.innerDstHi, f.innerDstLo, ports, vip);
        if (slot < 0) {
            core.ctr.icmpIgnored++;
            return;
        }
        Connection c = core.conns[slot];
        if (!Seq.ge(f.innerSeq, c.sndUna) || !Seq.lt(f.innerSeq, c.sndMax)) {
            core.ctr.icmpIgnored++; // RFC 5927 §4.1: not in flight, likely forged
            return;
        }
        int mtu = Math.max(f.icmpMtu, v6 ? V6_MIN_MTU : V4_MIN_MTU);
        if (mtu >= c.pmtu) {
            core.ctr.icmpIgnored++;
            return;
        }
        int mss = mtu - (c.v6 ? 60 : 40) - (c.tsOn ? 12 : 0);
        c.pmtu = mtu;
        if (mss >= c.mss) return;
        c.mss = mss;
        core.ctr.pmtuUpdates++;
        // resend what is in flight in smaller segments; not a congestion signal (Linux tcp_simple_retransmit)
        c.sndNxt = c.sndUna;
        core.sender.output(c);
    }
}
