package dev.portcullis.tcp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's sender on the issue's impaired path (5 % loss, 5 % reordering, 1 % duplication, 10 ± 5 ms each
 * way; {@link ImpairedLink}), on a virtual clock, to a receiver that acknowledges as Linux does, with D-SACK
 * (RFC 2883). Reordering by 5 ms at a few hundred segments per RTT puts dozens of segments ahead of the held
 * one: duplicate-ACK counting (RFC 6675's DupThresh of 3) calls that a loss, and each spurious recovery cuts
 * the window.
 */
class ImpairedDownloadTest {

    static LossyDownloadTest.Result report(long seed, long bytes, boolean bbr) {
        ImpairedLink toPeer = ImpairedLink.issue9(seed * 31 + 1), toEngine = ImpairedLink.issue9(seed * 31 + 2);
        long t0 = System.nanoTime();
        LossyDownloadTest.Result r = LossyDownloadTest.run(seed, bytes, toPeer, toEngine, false, true, bbr);
        EngineCounters c = r.counters();
        System.out.printf("impaired, %s, seed %d: %.2f MB/s virtual (%.1f s real); to peer: %s; to engine: %s%n"
                        + "  retransmits %d (fast %d, timeout %d, lost retransmissions %d), probes %d, rto expirations %d, "
                        + "recoveries %d, reordering raised %d times%n",
                bbr ? "bbr" : "cubic", seed, r.mbPerS(), (System.nanoTime() - t0) / 1e9, toPeer, toEngine, c.retransmits, c.retransmitsFast,
                c.retransmitsTimeout, c.lostRetransmits, c.tailLossProbes, c.rtoExpirations, c.fastRetransmits,
                c.reorderingSeen);
        return r;
    }

    /**
     * CUBIC answers each loss with a window cut: at 5 % loss the window stays near Mathis' bound of a few
     * segments per RTT, about 0.2 MB/s here (what the bench measured through Portcullis: 1.6 Mbit/s each way).
     */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"1", "2"})
    void cubicStaysNearTheLossBound(long seed) {
        LossyDownloadTest.Result r = report(seed, 4_000_000L, false);
        assertThat(r.mbPerS()).as("goodput, MB/s").isBetween(0.1, 1.0);
    }

    /**
     * Bbr keeps the window at the path's BDP whatever the random loss, and the reordering the path shows raises
     * DupThresh so that held-back segments are not resent: 30 MB runs at 10 to 20 MB/s over six seeds (10 to 13
     * MB/s without the reordering adaptation, 0.2 MB/s with CUBIC).
     */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"1", "2", "3", "4", "5", "6"})
    void bbrKeepsTheRateUnderFullImpairment(long seed) {
        LossyDownloadTest.Result r = report(seed, 30_000_000L, true);
        assertThat(r.mbPerS()).as("goodput, MB/s").isGreaterThan(5.0);
        assertThat(r.counters().rtoExpirations).as("retransmission timeouts").isLessThanOrEqualTo(12);
        assertThat(r.counters().reorderingSeen).as("reordering noticed").isGreaterThan(0);
    }
}
