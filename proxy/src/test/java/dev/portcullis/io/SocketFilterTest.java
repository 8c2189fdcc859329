package dev.portcullis.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The socket filter run by a small classic-BPF interpreter (the subset the program uses, with the kernel's rule
 * that a load past the packet drops it), so the program's logic is tested without root. The netns tests show
 * the kernel accepts and applies it.
 */
class SocketFilterTest {
    static final int VIP4 = 0x0a4d0064, OTHER4 = 0x0a4d0002;
    static final long V6HI = 0xfd77_0000_0000_0000L, V6LO = 0x100L;
    static final int[] VIPS4 = {VIP4, 0xc0a80101};
    static final long[] VIPS6 = {V6HI, V6LO, 0x2001_0db8_0000_0000L, 0x5L};

    /** Runs a classic BPF program over {@code p}; returns the accepted length (0: dropped). */
    static int run(long[] prog, byte[] p) {
        int a = 0, x = 0, pc = 0;
        while (pc < prog.length) {
            long in = prog[pc++];
            int code = (int) (in & 0xffff), jt = (int) ((in >>> 16) & 0xff), jf = (int) ((in >>> 24) & 0xff);
            int k = (int) (in >>> 32);
            switch (code) {
                case 0x20, 0x28, 0x30, 0x48, 0x50 -> {
                    int size = (code & 0x18) == 0 ? 4 : (code & 0x18) == 0x08 ? 2 : 1;
                    long off = ((code & 0xe0) == 0x40 ? x : 0) + (long) k;
                    if (off < 0 || off + size > p.length) {
                        return 0;
                    }
                    int v = 0;
                    for (int i = 0; i < size; i++) {
                        v = (v << 8) | (p[(int) off + i] & 0xff);
                    }
                    a = v;
                }
                case 0xb1 -> {
                    if (k >= p.length) {
                        return 0;
                    }
                    x = (p[k] & 0xf) * 4;
                }
                case 0x80 -> a = p.length; // BPF_LD|BPF_W|BPF_LEN: skb->len, the frame from its Ethernet header
                case 0x15 -> pc += a == k ? jt : jf;
                case 0x25 -> pc += Integer.compareUnsigned(a, k) > 0 ? jt : jf;
                case 0x45 -> pc += (a & k) != 0 ? jt : jf;
                case 0x05 -> pc += k;
                case 0x06 -> {
                    return k;
                }
                default -> throw new AssertionError("opcode not expected in the program: " + code);
            }
        }
        throw new AssertionError("fell off the end");
    }

    static long[] prog(int... ports) {
        return SocketFilter.program(VIPS4, VIPS6, ports);
    }

    // ------------------------------------------------------------------ frame builders

    static ByteBuffer eth(int len, int etherType) {
        ByteBuffer b = ByteBuffer.allocate(len);
        b.put(0, (byte) 0x02).putShort(12, (short) etherType);
        return b;
    }

    static byte[] ipv4(int dst, int proto, int ihlWords, int fragField, int dstPort, int icmpType) {
        int l4 = 14 + ihlWords * 4;
        ByteBuffer b = eth(l4 + 20, 0x0800);
        b.put(14, (byte) (0x40 | ihlWords)).putShort(16, (short) (ihlWords * 4 + 20)).putShort(20, (short) fragField)
                .put(23, (byte) proto).putInt(26, OTHER4).putInt(30, dst);
        if (proto == 6 || proto == 17) {
            b.putShort(l4, (short) 40000).putShort(l4 + 2, (short) dstPort);
        } else {
            b.put(l4, (byte) icmpType);
        }
        return b.array();
    }

    static byte[] ipv6(long dstHi, long dstLo, int nextHeader, int dstPort, int icmpType, long targetHi,
                       long targetLo) {
        ByteBuffer b = eth(54 + 32, 0x86dd);
        b.put(14, (byte) 0x60).putShort(18, (short) 32).put(20, (byte) nextHeader).put(21, (byte) 255)
                .putLong(22, 0xfe80_0000_0000_0000L).putLong(30, 1).putLong(38, dstHi).putLong(46, dstLo);
        if (nextHeader == 6) {
            b.putShort(54, (short) 40000).putShort(56, (short) dstPort);
        } else {
            b.put(54, (byte) icmpType).putLong(62, targetHi).putLong(70, targetLo);
        }
        return b.array();
    }

    // ------------------------------------------------------------------ examples

    @Test
    void aTagKeptInlineIsLookedThrough() {
        byte[] f = ipv4(VIP4, 6, 5, 0, 80, 0);
        byte[] tagged = new byte[f.length + 4];
        System.arraycopy(f, 0, tagged, 0, 12);
        tagged[12] = (byte) 0x81; tagged[15] = 42;
        System.arraycopy(f, 12, tagged, 16, f.length - 12);
        assertThat(run(prog(80), tagged)).isPositive();
        tagged[18 + 20 + 3] = 0; // TCP destination port (IPv4 header at 18, TCP at 38): 80 -> 0
        assertThat(run(prog(80), tagged)).isZero();
    }

    @Test
    void arpPasses() {
        assertThat(run(prog(80), eth(42, 0x0806).array())).isPositive();
    }

    @Test
    void ipv4TcpToAVipAndAProtectedPortPasses() {
        assertThat(run(prog(80), ipv4(VIP4, 6, 5, 0, 80, 0))).isPositive();
        assertThat(run(prog(80), ipv4(0xc0a80101, 6, 5, 0, 80, 0))).as("second VIP").isPositive();
        assertThat(run(prog(80), ipv4(VIP4, 6, 7, 0, 80, 0))).as("IPv4 options: port found past IHL").isPositive();
        assertThat(run(prog(80), ipv4(VIP4, 6, 5, 0x4000, 80, 0))).as("DF set").isPositive();
    }

    @Test
    void otherIpv4TrafficIsKeptOut() {
        assertThat(run(prog(80), ipv4(VIP4, 6, 5, 0, 81, 0))).as("other port").isZero();
        assertThat(run(prog(80), ipv4(OTHER4, 6, 5, 0, 80, 0))).as("other address").isZero();
        assertThat(run(prog(80), ipv4(VIP4, 17, 5, 0, 80, 0))).as("UDP").isZero();
        assertThat(run(prog(80), ipv4(VIP4, 1, 5, 0, 0, 8))).as("ICMP echo").isZero();
        assertThat(run(prog(80), ipv4(OTHER4, 1, 5, 0, 0, 3))).as("ICMP error for another host").isZero();
        assertThat(run(prog(80), eth(60, 0x88cc).array())).as("LLDP").isZero();
        assertThat(run(prog(80), new byte[10])).as("runt").isZero();
    }

    @Test
    void icmpv4UnreachableToAVipAndNonFirstFragmentsPass() {
        assertThat(run(prog(80), ipv4(VIP4, 1, 5, 0, 0, 3))).isPositive();
        assertThat(run(prog(80), ipv4(VIP4, 6, 5, 0x0010, 12345, 0))).as("non-first fragment").isPositive();
    }

    @Test
    void noPortsMeansEveryTcpPortOfTheVip() {
        assertThat(run(prog(), ipv4(VIP4, 6, 5, 0, 12345, 0))).isPositive();
        assertThat(run(prog(), ipv6(V6HI, V6LO, 6, 9, 0, 0, 0))).isPositive();
    }

    @Test
    void ipv6TcpAndNeighbourDiscovery() {
        assertThat(run(prog(80, 443), ipv6(V6HI, V6LO, 6, 443, 0, 0, 0))).isPositive();
        assertThat(run(prog(80, 443), ipv6(V6HI, V6LO, 6, 8080, 0, 0, 0))).isZero();
        assertThat(run(prog(80), ipv6(V6HI, V6LO + 1, 6, 80, 0, 0, 0))).isZero();
        assertThat(run(prog(80), ipv6(0xff02_0000_0000_0000L, 0x1_ff00_0100L, 58, 0, 135, V6HI, V6LO)))
                .as("NS for the VIP").isPositive();
        assertThat(run(prog(80), ipv6(0xff02_0000_0000_0000L, 0x1_ff00_0002L, 58, 0, 135, V6HI, 2)))
                .as("NS for another address").isZero();
        assertThat(run(prog(80), ipv6(V6HI, V6LO, 58, 0, 136, V6HI, 2))).as("NA").isPositive();
        assertThat(run(prog(80), ipv6(V6HI, V6LO, 58, 0, 2, 0, 0))).as("packet too big").isPositive();
        assertThat(run(prog(80), ipv6(V6HI, V6LO, 58, 0, 128, 0, 0))).as("echo").isZero();
        assertThat(run(prog(80), ipv6(0x2001_0db8_0000_0000L, 0x5L, 0, 0, 0, 0, 0)))
                .as("extension header to a VIP: the parser walks it").isPositive();
        assertThat(run(prog(80), ipv6(0x2001_0db8_0000_0000L, 0x6L, 0, 0, 0, 0, 0))).isZero();
    }

    // ------------------------------------------------------------------ property: agrees with a plain reference

    /** The filter's intent written plainly, with the same drop-on-short-packet rule. */
    static boolean reference(byte[] frame, int[] ports) {
        if (frame.length >= 14 && (ByteBuffer.wrap(frame).getShort(12) & 0xffff) == 0x8100) {
            // one inline 802.1Q tag: the same rules on the frame without it
            if (frame.length < 18) return false;
            byte[] inner = new byte[frame.length - 4];
            System.arraycopy(frame, 0, inner, 0, 12);
            System.arraycopy(frame, 16, inner, 12, frame.length - 16);
            return (ByteBuffer.wrap(inner).getShort(12) & 0xffff) != 0x8100 && untagged(inner, ports);
        }
        return untagged(frame, ports);
    }

    static boolean untagged(byte[] p, int[] ports) {
        ByteBuffer b = ByteBuffer.wrap(p);
        if (p.length < 14) return false;
        int et = b.getShort(12) & 0xffff;
        if (et == 0x0806) return true;
        if (et == 0x0800) {
            if (p.length < 34) return false;
            if (!contains4(b.getInt(30))) return false;
            int proto = p[23] & 0xff;
            int l4 = 14 + (p[14] & 0xf) * 4;
            if (proto == 6) {
                if ((b.getShort(20) & 0x1fff) != 0) return true;
                if (p.length < l4 + 4) return false;
                return portOk(b.getShort(l4 + 2) & 0xffff, ports);
            }
            if (proto == 1) {
                return p.length >= l4 + 1 && (p[l4] & 0xff) == 3;
            }
            return false;
        }
        if (et == 0x86dd) {
            if (p.length < 21) return false;
            int nh = p[20] & 0xff;
            if (nh == 58) {
                if (p.length < 55) return false;
                int type = p[54] & 0xff;
                if (type == 136) return true;
                if (type == 135) return p.length >= 78 && contains6(b.getLong(62), b.getLong(70));
                if (type == 2) return contains6(b.getLong(38), b.getLong(46));
                return false;
            }
            if (p.length < 54 || !contains6(b.getLong(38), b.getLong(46))) return false;
            if (nh != 6) return true;
            return p.length >= 58 && portOk(b.getShort(56) & 0xffff, ports);
        }
        return false;
    }

    static boolean contains4(int ip) {
        for (int v : VIPS4) if (v == ip) return true;
        return false;
    }

    static boolean contains6(long hi, long lo) {
        for (int i = 0; i < VIPS6.length; i += 2) if (VIPS6[i] == hi && VIPS6[i + 1] == lo) return true;
        return false;
    }

    static boolean portOk(int port, int[] ports) {
        if (ports.length == 0) return true;
        for (int p : ports) if (p == port) return true;
        return false;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 0xC0FFEE})
    void agreesWithThePlainReferenceOnRandomFrames(long seed) {
        Random r = new Random(seed);
        int[][] portSets = {{}, {80}, {80, 443, 8080}};
        for (int[] ports : portSets) {
            long[] prog = prog(ports);
            int accepted = 0;
            for (int i = 0; i < 5000; i++) {
                byte[] f = randomFrame(r, ports);
                boolean want = reference(f, ports);
                assertThat(run(prog, f) > 0).as("frame %d (seed %d): %s", i, seed, hex(f)).isEqualTo(want);
                accepted += want ? 1 : 0;
            }
            assertThat(accepted).as("the generator reaches both outcomes").isBetween(100, 4900);
        }
    }

    // ------------------------------------------------------------------ the length split between the two rings

    static final int SPLIT = SmallRingOptions.defaults().maxFrameLength();

    static byte[] padded(byte[] f, int length) {
        byte[] out = new byte[length];
        System.arraycopy(f, 0, out, 0, Math.min(f.length, length));
        return out;
    }

    @Test
    void aSynGoesToTheSmallRingAndAMergedFrameToTheLargeOne() {
        int[] ports = {80};
        byte[] syn = padded(ipv4(VIP4, 6, 5, 0x4000, 80, 0), 74);
        byte[] gro = padded(ipv4(VIP4, 6, 5, 0x4000, 80, 0), 65_226);
        byte[] mtu = padded(ipv4(VIP4, 6, 5, 0x4000, 80, 0), 1514);
        long[] small = SocketFilter.program(VIPS4, VIPS6, ports, SPLIT, true);
        long[] large = SocketFilter.program(VIPS4, VIPS6, ports, SPLIT, false);
        assertThat(run(small, syn)).isPositive();
        assertThat(run(large, syn)).isZero();
        assertThat(run(small, mtu)).as("a data segment stays with the merged ones").isZero();
        assertThat(run(large, mtu)).isPositive();
        long[] smallMtu = SocketFilter.program(VIPS4, VIPS6, ports, 1920, true);
        assertThat(run(smallMtu, mtu)).as("split 1920: an MTU-sized frame fits a 2 KB slot").isPositive();
        assertThat(run(small, gro)).isZero();
        assertThat(run(large, gro)).isPositive();
        assertThat(run(small, padded(syn, SPLIT))).as("len == split: small").isPositive();
        assertThat(run(large, padded(syn, SPLIT + 1))).as("len == split + 1: large").isPositive();
        assertThat(run(small, eth(42, 0x0806).array())).as("ARP").isPositive();
        byte[] otherPort = padded(ipv4(VIP4, 6, 5, 0, 81, 0), 74);
        assertThat(run(small, otherPort)).as("the VIP filter still applies").isZero();
        assertThat(run(large, padded(otherPort, 9000))).isZero();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 8, 9})
    void everyAcceptedFrameGoesToExactlyOneRing(long seed) {
        Random r = new Random(seed);
        int[][] portSets = {{}, {80, 443}};
        for (int split : new int[]{SPLIT, 128, 9000}) {
            for (int[] ports : portSets) {
                long[] whole = prog(ports);
                long[] small = SocketFilter.program(VIPS4, VIPS6, ports, split, true);
                long[] large = SocketFilter.program(VIPS4, VIPS6, ports, split, false);
                int both = 0;
                for (int i = 0; i < 3000; i++) {
                    byte[] f = randomFrame(r, ports);
                    if (r.nextBoolean()) { // data after the headers: any length up to a 64 KB merged frame
                        f = padded(f, f.length + (r.nextInt(4) == 0 ? r.nextInt(65_000) : r.nextInt(3000)));
                    }
                    boolean s = run(small, f) > 0, l = run(large, f) > 0;
                    assertThat(!s || !l).as("never both rings: %d bytes", f.length).isTrue();
                    assertThat(s || l).as("accepted by one ring iff the VIP filter accepts it").isEqualTo(run(whole, f) > 0);
                    assertThat(!s || f.length <= split).isTrue();
                    assertThat(!l || f.length > split).isTrue();
                    both += s ? 1 : 0;
                    both += l ? 2 : 0;
                }
                assertThat(both).as("the generator reaches both rings").isGreaterThan(100);
            }
        }
    }

    @Test
    void withoutAVipFilterTheLengthTestAloneSplitsTheFrames() {
        long[] small = SocketFilter.forRing(PacketSocket.Filter.none(), SPLIT, true);
        long[] large = SocketFilter.forRing(PacketSocket.Filter.none(), SPLIT, false);
        assertThat(SocketFilter.forRing(PacketSocket.Filter.none(), SocketFilter.NO_SPLIT, false)).isNull();
        Random r = new Random(5);
        for (int i = 0; i < 2000; i++) {
            byte[] f = new byte[r.nextInt(70_000)];
            assertThat(run(small, f) > 0).isEqualTo(f.length <= SPLIT);
            assertThat(run(large, f) > 0).isEqualTo(f.length > SPLIT);
        }
    }

    @Test
    void theLargeRingsFilterComesFromTheFilterRecord() {
        PacketSocket.Filter f = new PacketSocket.Filter(VIPS4, VIPS6, new int[]{80});
        assertThat(SocketFilter.forRing(f, f.split(), false)).containsExactly(prog(80));
        PacketSocket.Filter large = f.largerThan(SPLIT);
        assertThat(SocketFilter.forRing(large, large.split(), false))
                .containsExactly(SocketFilter.program(VIPS4, VIPS6, new int[]{80}, SPLIT, false));
    }

    static byte[] randomFrame(Random r, int[] ports) {
        int kind = r.nextInt(10);
        int port = r.nextInt(3) == 0 ? r.nextInt(65536) : ports.length > 0 ? ports[r.nextInt(ports.length)] : 80;
        byte[] f = switch (kind) {
            case 0 -> eth(42, 0x0806).array();
            case 1, 2, 3 -> ipv4(r.nextBoolean() ? VIPS4[r.nextInt(2)] : r.nextInt(), new int[]{6, 6, 1, 17}[r.nextInt(4)],
                    5 + r.nextInt(11), r.nextInt(4) == 0 ? r.nextInt(0x10000) : 0x4000, port, r.nextInt(20));
            case 4, 5, 6 -> {
                int vip = r.nextInt(VIPS6.length / 2) * 2;
                boolean ours = r.nextBoolean();
                yield ipv6(ours ? VIPS6[vip] : r.nextLong(), ours ? VIPS6[vip + 1] : r.nextLong(),
                        new int[]{6, 6, 58, 58, 0, 17}[r.nextInt(6)], port, new int[]{135, 136, 2, 128, 1}[r.nextInt(5)],
                        r.nextBoolean() ? VIPS6[vip] : r.nextLong(), r.nextBoolean() ? VIPS6[vip + 1] : r.nextLong());
            }
            default -> {
                byte[] b = new byte[r.nextInt(100)];
                r.nextBytes(b);
                yield b;
            }
        };
        if (r.nextInt(4) == 0 && f.length >= 14) { // an inline 802.1Q tag (sometimes two)
            byte[] tagged = new byte[f.length + 4];
            System.arraycopy(f, 0, tagged, 0, 12);
            tagged[12] = (byte) 0x81;
            tagged[14] = (byte) r.nextInt(256);
            tagged[15] = (byte) r.nextInt(256);
            System.arraycopy(f, 12, tagged, 16, f.length - 12);
            f = tagged;
        }
        if (r.nextInt(5) == 0 && f.length > 0) { // cut it short anywhere
            byte[] cut = new byte[r.nextInt(f.length)];
            System.arraycopy(f, 0, cut, 0, cut.length);
            return cut;
        }
        return f;
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.toString();
    }
}
