package dev.portcullis.cookie;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.wire.ParsedFrame;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Property tests over seeded random tuples (reproducible: the seed is the test's parameter). */
class CookieCodecPropertyTest {
    private static final byte[] SECRET = "portcullis test secret, 32 bytes".getBytes();

    /** A random 4-tuple + client ISN + wall time; IPv4-mapped on even seeds, IPv6 on odd ones. */
    record Syn(long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort, int isn, long now, boolean v6) {
        static Syn random(Random r, boolean v6) {
            long srcHi = v6 ? r.nextLong() : 0, dstHi = v6 ? r.nextLong() : 0;
            long srcLo = v6 ? r.nextLong() : ParsedFrame.v4Mapped(r.nextInt());
            long dstLo = v6 ? r.nextLong() : ParsedFrame.v4Mapped(r.nextInt());
            long now = 1_600_000_000L + r.nextInt(400_000_000);
            return new Syn(srcHi, srcLo, r.nextInt(65536), dstHi, dstLo, r.nextInt(65536), r.nextInt(), now, v6);
        }

        int generate(CookieCodec c, int mssIndex) {
            return c.generate(srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, isn, mssIndex, now);
        }

        int check(CookieCodec c, int cookie, long at) {
            return c.check(srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, isn, cookie, at);
        }
    }

    static IntStream seeds() {
        return IntStream.range(0, 24);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void everyMssWindowScaleSackEcnCombinationRoundTrips(int seed) {
        Random r = new Random(seed);
        CookieCodec codec = new CookieCodec(SECRET);
        for (int mss = 0; mss < MssTable.SIZE; mss++) {
            for (int ws = -1; ws <= 14; ws++) {
                for (int opt = 0; opt < 4; opt++) {
                    Syn syn = Syn.random(r, (seed & 1) == 1);
                    boolean sack = (opt & 1) != 0, ecn = (opt & 2) != 0;
                    int cookie = syn.generate(codec, mss);
                    int tsVal = TsCookie.encode(r.nextInt(), ws, sack, ecn);
                    // the final ACK: seq = isn + 1, ack = cookie + 1, TSecr = our TSval
                    int finalSeq = syn.isn + 1, finalAck = cookie + 1;
                    int got = codec.check(syn.srcHi, syn.srcLo, syn.srcPort, syn.dstHi, syn.dstLo, syn.dstPort,
                        finalSeq - 1, finalAck - 1, syn.now + r.nextInt(60));
                    assertThat(got).isEqualTo(mss);
                    assertThat(MssTable.mss(got, syn.v6)).isPositive();
                    assertThat(TsCookie.wscale(tsVal)).isEqualTo(ws);
                    assertThat(TsCookie.sack(tsVal)).isEqualTo(sack);
                    assertThat(TsCookie.ecn(tsVal)).isEqualTo(ecn);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void changingAnyTupleFieldTheIsnOrOneCookieBitFails(int seed) {
        Random r = new Random(seed);
        CookieCodec c = new CookieCodec(SECRET);
        Syn s = Syn.random(r, (seed & 1) == 1);
        int mss = r.nextInt(4);
        int cookie = s.generate(c, mss);
        assertThat(s.check(c, cookie, s.now)).isEqualTo(mss);
        long bit = 1L << r.nextInt(64);
        int bit16 = 1 << r.nextInt(16), bit32 = 1 << r.nextInt(32);
        Syn[] changed = {
            new Syn(s.srcHi ^ bit, s.srcLo, s.srcPort, s.dstHi, s.dstLo, s.dstPort, s.isn, s.now, s.v6),
            new Syn(s.srcHi, s.srcLo ^ bit, s.srcPort, s.dstHi, s.dstLo, s.dstPort, s.isn, s.now, s.v6),
            new Syn(s.srcHi, s.srcLo, s.srcPort ^ bit16, s.dstHi, s.dstLo, s.dstPort, s.isn, s.now, s.v6),
            new Syn(s.srcHi, s.srcLo, s.srcPort, s.dstHi ^ bit, s.dstLo, s.dstPort, s.isn, s.now, s.v6),
            new Syn(s.srcHi, s.srcLo, s.srcPort, s.dstHi, s.dstLo ^ bit, s.dstPort, s.isn, s.now, s.v6),
            new Syn(s.srcHi, s.srcLo, s.srcPort, s.dstHi, s.dstLo, s.dstPort ^ bit16, s.isn, s.now, s.v6),
            new Syn(s.srcHi, s.srcLo, s.srcPort, s.dstHi, s.dstLo, s.dstPort, s.isn ^ bit32, s.now, s.v6),
            // source and destination swapped: a cookie is for one direction
            new Syn(s.dstHi, s.dstLo, s.dstPort, s.srcHi, s.srcLo, s.srcPort, s.isn, s.now, s.v6),
        };
        for (Syn x : changed) {
            assertThat(x.check(c, cookie, s.now)).as("%s", x).isEqualTo(CookieCodec.REJECT_HASH);
        }
        for (int b = 0; b < 32; b++) {
            assertThat(s.check(c, cookie ^ (1 << b), s.now)).as("bit %d", b).isNegative();
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void validInTheCurrentAndPreviousCounterOnly(int seed) {
        Random r = new Random(seed);
        CookieCodec c = new CookieCodec(SECRET);
        Syn s = Syn.random(r, (seed & 1) == 1);
        int cookie = s.generate(c, 2);
        long counterStart = Math.floorDiv(s.now, 60) * 60;
        assertThat(s.check(c, cookie, counterStart)).isEqualTo(2);
        assertThat(s.check(c, cookie, counterStart + 59)).isEqualTo(2);
        assertThat(s.check(c, cookie, counterStart + 60)).isEqualTo(2);
        assertThat(s.check(c, cookie, counterStart + 119)).isEqualTo(2);
        assertThat(s.check(c, cookie, counterStart + 120)).isEqualTo(CookieCodec.REJECT_TOO_OLD);
        assertThat(s.check(c, cookie, counterStart - 1)).isEqualTo(CookieCodec.REJECT_TOO_OLD);  // from the future
        // 8 counters on, the 3 counter bits match again: the full counter in the hash still rejects it
        assertThat(s.check(c, cookie, counterStart + 8 * 60)).isEqualTo(CookieCodec.REJECT_HASH);
        assertThat(s.check(c, cookie, counterStart + 9 * 60)).isEqualTo(CookieCodec.REJECT_HASH);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void instancesWithOneSecretAgreeAndWithTwoSecretsDoNot(int seed) {
        Random r = new Random(seed);
        Syn s = Syn.random(r, (seed & 1) == 1);
        CookieCodec a = new CookieCodec(SECRET);
        // a has been running for a while (its cached keys are for an older counter); b starts now
        a.generate(1, 2, 3, 4, 5, 6, 7, 0, s.now - 3600);
        CookieCodec b = new CookieCodec(SECRET.clone());
        CookieCodec other = new CookieCodec("another secret of 32 bytes......".getBytes());
        int mss = r.nextInt(4);
        int cookie = s.generate(a, mss);
        assertThat(s.check(b, cookie, s.now + r.nextInt(60))).isEqualTo(mss);
        assertThat(s.generate(b, mss)).isEqualTo(cookie);
        assertThat(s.check(other, cookie, s.now)).isEqualTo(CookieCodec.REJECT_HASH);
        assertThat(s.check(a, s.generate(other, mss), s.now)).isEqualTo(CookieCodec.REJECT_HASH);
    }

    /**
     * 10^7 ACKs with random ack numbers for one tuple and ISN. Stated rate 2^-29 per try: the expected number
     * accepted is 10^7 / 2^29 = 0.019, so more than 3 (Poisson tail below 10^-8) would contradict the rate. The
     * counter filter alone must pass 2/8 of them.
     */
    @Test
    void randomAcksAreAcceptedNoMoreOftenThanTheStatedRate() {
        CookieCodec c = new CookieCodec(SECRET);
        Syn s = Syn.random(new Random(42), false);
        SplittableRandom r = new SplittableRandom(4242);
        int tries = 10_000_000, accepted = 0, tooOld = 0, hash = 0;
        for (int i = 0; i < tries; i++) {
            int v = s.check(c, r.nextInt(), s.now);
            if (v >= 0) accepted++;
            else if (v == CookieCodec.REJECT_TOO_OLD) tooOld++;
            else if (v == CookieCodec.REJECT_HASH) hash++;
        }
        System.out.printf("random ACKs: %d tries, %d accepted (expected %.4f at 2^-29), %d past the counter check%n",
            tries, accepted, tries / Math.pow(2, 29), hash + accepted);
        assertThat(accepted).isLessThanOrEqualTo(3);
        assertThat((hash + accepted) / (double) tries).isBetween(0.249, 0.251);
        assertThat(accepted + tooOld + hash).isEqualTo(tries);
    }
}
