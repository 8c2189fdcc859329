package dev.portcullis.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A classic BPF program (SO_ATTACH_FILTER) that lets into a ring only what the proxy answers:
 * <ul>
 *   <li>ARP (any: requests for the VIP are picked out by the shard; the rest is cheap and rare);</li>
 *   <li>IPv4 TCP to a VIP (optionally only to the protected ports; non-first fragments to a VIP pass so that they
 *       are counted, they carry no ports);</li>
 *   <li>ICMPv4 destination-unreachable to a VIP (fragmentation needed, RFC 1191);</li>
 *   <li>IPv6 TCP to a VIP (optionally to the ports); IPv6 to a VIP with an extension header first (the parser
 *       walks it);</li>
 *   <li>ICMPv6 neighbour solicitations for a VIP target and advertisements (RFC 4861 §4.3, §4.4), and
 *       packet-too-big to a VIP (RFC 8201).</li>
 * </ul>
 * The frame is seen from its Ethernet header. An 802.1Q tag is usually in metadata by then (EtherType at 12);
 * one kept inline (rx-vlan-offload off) is handled by a second copy of the body 4 bytes further on. Offsets
 * below are from the frame start.
 *
 * <p>Split by length: a shard reads two rings, a TPACKET_V2 ring of small fixed slots that wakes the reader per
 * frame (SYNs, ACKs, ARP, small data) and the TPACKET_V3 ring whose blocks hold 64 KB GRO/TSO frames but are
 * handed over only when full or after the 1 ms block timer. Each ring's program ends in the same length test with
 * opposite outcomes ({@code len <= split} for the small ring, {@code len > split} for the large one), so every
 * frame the VIP filter accepts goes to exactly one ring.
 */
final class SocketFilter {
    // BPF opcodes (linux/bpf_common.h)
    private static final int LD_W_ABS = 0x20, LD_H_ABS = 0x28, LD_B_ABS = 0x30, LD_H_IND = 0x48, LD_B_IND = 0x50;
    private static final int LDX_B_MSH = 0xb1, JEQ_K = 0x15, JGT_K = 0x25, JSET_K = 0x45, JA = 0x05, RET_K = 0x06;
    /** BPF_LD|BPF_W|BPF_LEN: A = the frame's length (skb->len from the Ethernet header: the ring's tp_len). */
    private static final int LD_W_LEN = 0x80;
    private static final int ACCEPT = 0x40000, DROP = 0;

    private static final int ETHERTYPE = 12, IP4 = 14, IP6 = 14;
    private static final int IP4_FRAG = IP4 + 6, IP4_PROTO = IP4 + 9, IP4_DST = IP4 + 16;
    private static final int IP6_NEXT = IP6 + 6, IP6_DST = IP6 + 24, L4_6 = IP6 + 40;

    private SocketFilter() {
    }

    /** One instruction with symbolic jump targets, resolved by {@link #assemble}. */
    private record Insn(int code, String jt, String jf, int k, String label) {
    }

    private static final class Asm {
        final List<Insn> code = new ArrayList<>();
        final Map<String, Integer> labels = new HashMap<>();
        /** Prefix of the labels of the body being emitted (each body is emitted once per frame layout). */
        String scope = "";

        private String s(String l) {
            return l == null ? null : scope + l;
        }

        void label(String l) {
            labels.put(s(l), code.size());
        }

        void op(int c, int k) {
            code.add(new Insn(c, null, null, k, null));
        }

        void jeq(int k, String jt, String jf) {
            code.add(new Insn(JEQ_K, s(jt), s(jf), k, null));
        }

        void jset(int k, String jt, String jf) {
            code.add(new Insn(JSET_K, s(jt), s(jf), k, null));
        }

        void jgt(int k, String jt, String jf) {
            code.add(new Insn(JGT_K, s(jt), s(jf), k, null));
        }

        void ja(String target) {
            code.add(new Insn(JA, null, null, 0, s(target)));
        }

        /** An unconditional jump (32-bit offset) to a label of another scope. */
        void jaTo(String fullLabel) {
            code.add(new Insn(JA, null, null, 0, fullLabel));
        }

        long[] assemble() {
            long[] out = new long[code.size()];
            for (int i = 0; i < code.size(); i++) {
                Insn in = code.get(i);
                int jt = rel(i, in.jt), jf = rel(i, in.jf);
                int k = in.label != null ? target(i, in.label) : in.k;
                if (jt > 255 || jf > 255) {
                    throw new IllegalArgumentException("socket filter too long for a conditional jump");
                }
                out[i] = encode(in.code, jt, jf, k);
            }
            return out;
        }

        private int target(int at, String l) {
            Integer t = labels.get(l);
            if (t == null || t <= at) {
                throw new IllegalStateException("bad label " + l);
            }
            return t - at - 1;
        }

        private int rel(int at, String l) {
            return l == null ? 0 : target(at, l);
        }
    }

    private static long encode(int code, int jt, int jf, int k) {
        return (code & 0xffffL) | ((long) (jt & 0xff) << 16) | ((long) (jf & 0xff) << 24) | ((k & 0xffffffffL) << 32);
    }

    /**
     * Builds the program. {@code vip4}: IPv4 VIPs as ints (big-endian read); {@code vip6}: IPv6 VIPs as hi/lo
     * pairs; {@code ports}: protected TCP ports, empty for any port. The body is emitted twice: for frames whose
     * 802.1Q tag the device moved to metadata (the usual case: EtherType at 12) and for frames that kept one
     * tag inline (EtherType 0x8100 at 12, the rest 4 bytes later), each with its own accept/drop so that every
     * conditional jump stays within its 255-instruction reach.
     */
    static long[] program(int[] vip4, long[] vip6, int[] ports) {
        return program(vip4, vip6, ports, NO_SPLIT, false);
    }

    /** No length split: the program accepts what the VIP filter accepts, whatever its length. */
    static final int NO_SPLIT = -1;

    /**
     * The same program ending in a length test: with {@code small} it accepts only frames of at most
     * {@code split} bytes, without it only longer ones ({@code split} {@link #NO_SPLIT}: no test).
     */
    static long[] program(int[] vip4, long[] vip6, int[] ports, int split, boolean small) {
        if (vip6.length % 2 != 0) {
            throw new IllegalArgumentException("vip6 holds hi/lo pairs");
        }
        Asm a = new Asm();
        body(a, 0, vip4, vip6, ports, split, small);
        a.scope = "tagged.";
        body(a, 4, vip4, vip6, ports, split, small);
        return a.assemble();
    }

    /** Only the length test (a socket without a VIP filter that still shares the frames with its other ring). */
    static long[] lengthOnly(int split, boolean small) {
        Asm a = new Asm();
        a.label("accept");
        accept(a, split, small);
        return a.assemble();
    }

    /**
     * The program a ring's socket attaches: the VIP filter (if any) with the length split (if any); null when
     * neither (the ring takes every frame of the interface).
     */
    static long[] forRing(PacketSocket.Filter filter, int split, boolean small) {
        if (filter.attached()) {
            return program(filter.vip4(), filter.vip6(), filter.ports(), split, small);
        }
        return split == NO_SPLIT ? null : lengthOnly(split, small);
    }

    /** One frame layout: every offset moved by {@code off} (4 after an inline 802.1Q tag). */
    private static void body(Asm a, int off, int[] vip4, long[] vip6, int[] ports, int split, boolean small) {
        a.label("start");
        a.op(LD_H_ABS, ETHERTYPE + off);
        a.jeq(0x0806, "accept", null);
        a.jeq(0x0800, "ip4", null);
        a.jeq(0x86dd, "ip6", null);
        if (off == 0) {
            a.jeq(0x8100, "tag", "drop");
            a.label("tag");
            a.jaTo("tagged.start");
        } else {
            a.ja("drop"); // one inline tag at most, as the parser takes
        }

        // IPv4: destination must be a VIP
        a.label("ip4");
        a.op(LD_W_ABS, IP4_DST + off);
        for (int v : vip4) {
            a.jeq(v, "ip4vip", null);
        }
        a.ja("drop");
        a.label("ip4vip");
        a.op(LD_B_ABS, IP4_PROTO + off);
        a.jeq(6, "tcp4", null);
        a.jeq(1, "icmp4", "drop");
        a.label("tcp4");
        a.op(LD_H_ABS, IP4_FRAG + off);
        a.jset(0x1fff, "accept", null); // a non-first fragment: no ports; let the parser count it
        a.op(LDX_B_MSH, IP4 + off);      // X = IHL * 4
        a.op(LD_H_IND, IP4 + off + 2);   // TCP destination port
        ports(a, ports);
        a.label("icmp4");
        a.op(LDX_B_MSH, IP4 + off);
        a.op(LD_B_IND, IP4 + off);       // ICMP type
        a.jeq(3, "accept", "drop");      // destination unreachable (code 4: fragmentation needed)

        // IPv6
        a.label("ip6");
        a.op(LD_B_ABS, IP6_NEXT + off);
        a.jeq(58, "icmp6", null);
        for (int i = 0; i < vip6.length; i += 2) {
            dst6(a, IP6_DST + off, vip6[i], vip6[i + 1], "ip6vip" + i, "ip6next" + i);
            a.label("ip6next" + i);
        }
        a.ja("drop");
        for (int i = 0; i < vip6.length; i += 2) {
            a.label("ip6vip" + i);
            a.ja("ip6vip");
        }
        a.label("ip6vip");
        a.op(LD_B_ABS, IP6_NEXT + off);
        a.jeq(6, null, "accept");        // an extension header first: the parser walks it
        a.op(LD_H_ABS, L4_6 + off + 2);
        ports(a, ports);
        a.label("icmp6");
        a.op(LD_B_ABS, L4_6 + off);
        a.jeq(136, "accept", null);      // neighbour advertisement
        a.jeq(135, "ns", null);
        a.jeq(2, "ptb", "drop");
        a.label("ns");                   // solicitation: target address at +8 of the ICMPv6 header
        for (int i = 0; i < vip6.length; i += 2) {
            dst6(a, L4_6 + off + 8, vip6[i], vip6[i + 1], "accept", "nsnext" + i);
            a.label("nsnext" + i);
        }
        a.ja("drop");
        a.label("ptb");                  // packet too big sent to a VIP
        for (int i = 0; i < vip6.length; i += 2) {
            dst6(a, IP6_DST + off, vip6[i], vip6[i + 1], "accept", "ptbnext" + i);
            a.label("ptbnext" + i);
        }
        a.ja("drop");

        a.label("accept");
        accept(a, split, small);
    }

    /** The "accept" and "drop" labels: the length split (if any), then the two returns. */
    private static void accept(Asm a, int split, boolean small) {
        if (split != NO_SPLIT) {
            a.op(LD_W_LEN, 0);
            a.jgt(split, small ? "drop" : "ok", small ? "ok" : "drop");
        }
        a.label("ok");
        a.op(RET_K, ACCEPT);
        a.label("drop");
        a.op(RET_K, DROP);
    }

    /** With A = the TCP destination port: accept a protected port (any when none configured), else drop. */
    private static void ports(Asm a, int[] ports) {
        if (ports.length == 0) {
            a.ja("accept");
            return;
        }
        for (int p : ports) {
            a.jeq(p, "accept", null);
        }
        a.ja("drop");
    }

    /** Compares the 16 bytes at {@code off} with hi/lo; jumps to {@code yes} on equality, else to {@code no}. */
    private static void dst6(Asm a, int off, long hi, long lo, String yes, String no) {
        int[] w = {(int) (hi >>> 32), (int) hi, (int) (lo >>> 32), (int) lo};
        for (int j = 0; j < 4; j++) {
            a.op(LD_W_ABS, off + 4 * j);
            a.jeq(w[j], j == 3 ? yes : null, no);
        }
    }

    /** The program as a {@code struct sock_fprog} (16 bytes) pointing at its {@code sock_filter} array. */
    static MemorySegment toFprog(long[] program, Arena arena) {
        MemorySegment filters = arena.allocate(8L * program.length, 8);
        for (int i = 0; i < program.length; i++) {
            long in = program[i];
            filters.set(JAVA_SHORT, 8L * i, (short) in);
            filters.set(JAVA_BYTE, 8L * i + 2, (byte) (in >>> 16));
            filters.set(JAVA_BYTE, 8L * i + 3, (byte) (in >>> 24));
            filters.set(JAVA_INT, 8L * i + 4, (int) (in >>> 32));
        }
        MemorySegment fprog = arena.allocate(16, 8);
        fprog.set(JAVA_SHORT, 0, (short) program.length);
        fprog.set(ADDRESS, 8, filters);
        return fprog;
    }
}
