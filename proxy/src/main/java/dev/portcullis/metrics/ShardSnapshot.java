package dev.portcullis.metrics;

/**
 * A copy of one shard's counters at one moment, filled on the shard's thread and then published whole (see
 * {@link ShardPublisher}); the scrape thread reads only published snapshots, never the live counters. Counters
 * are totals since start; depths and connection counts are the values at the copy.
 */
public final class ShardSnapshot {
    /** Names of the indexes of {@link #acksInvalid} and {@link #drops} (the meters' {@code reason} tag). */
    final String[] ackInvalidReasons, dropReasons;

    public long synsReceived, cookiesSent, synAcksSent, acksValid;
    public final long[] acksInvalid;
    public long synQueueDepth, acceptQueueDepth, synQueueOverflows, acceptQueueOverflows;
    public long established, retransmissions, challengeAcks, rstsSent;
    public long retransmissionsTimeout, rtoExpirations, tailLossProbes;
    public final long[] drops;
    /** Both RX rings together (frames read, cut, dropped by the kernel for want of room). */
    public long ringFrames, ringFramesCut, ringDrops;
    /** The small-frame (TPACKET_V2) ring's share of ringFrames and ringDrops. */
    public long ringSmallFrames, ringSmallDrops;
    public long relayAccepted, relaySessions, relayBytesToBackend, relayBytesToClient;
    public long relayNoBackend, relayBackendResets, relayClientResets, relayConnectFailures;
    /** The SYN guard: pure SYNs checked, passed from the allow list, dropped by reason; its fixed memory. */
    public long guardChecked, guardAllowListed, guardDenied, guardRateLimited, guardPrefixRateLimited, guardMemoryBytes;
    /** Heavy hitters kept per snapshot (the meters show the top 10 over all shards). */
    public static final int TOP = 10;
    /**
     * The top sources of the last second on this shard: 128-bit addresses (IPv4-mapped for IPv4), SYNs in that
     * second (Space-Saving's upper bound) and the error bound; the first {@link #topSources} entries are valid.
     */
    public final long[] topSourceHi = new long[TOP], topSourceLo = new long[TOP], topSourceCount = new long[TOP],
            topSourceError = new long[TOP];
    public int topSources;
    /** The same for /24 (IPv4) and /48 (IPv6) prefixes, as their first address. */
    public final long[] topPrefixHi = new long[TOP], topPrefixLo = new long[TOP], topPrefixCount = new long[TOP],
            topPrefixError = new long[TOP];
    public int topPrefixes;
    /** System.nanoTime() of the copy: a shard whose snapshot stops moving is not running. */
    public long takenAtNs;

    public ShardSnapshot(String[] ackInvalidReasons, String[] dropReasons) {
        this.ackInvalidReasons = ackInvalidReasons;
        this.dropReasons = dropReasons;
        this.acksInvalid = new long[ackInvalidReasons.length];
        this.drops = new long[dropReasons.length];
    }
}
