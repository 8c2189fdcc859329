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
                        + "recoveries %d, spurious %d%n",
                bbr ? "bbr" : "cubic", seed, r.mbPerS(), (System.nanoTime() - t0) / 1e9, toPeer, toEngine, c.retransmits, c.retransmitsFast,
                c.retransmitsTimeout, c.lostRetransmits, c.tailLossProbes, c.rtoExpirations, c.fastRetransmits,
                c.spuriousDupAcks);
        return r;
    }

    @ParameterizedTest(name = "seed {0}, bbr {1}")
    @CsvSource({"1, false", "2, false", "1, true", "2, true"})
    void downloadUnderFullImpairment(long seed, boolean bbr) {
        LossyDownloadTest.Result r = report(seed, 8_000_000L, bbr);
        assertThat(r.mbPerS()).as("goodput, MB/s").isGreaterThan(0.0);
    }
}
