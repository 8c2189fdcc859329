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
    public final long[] drops;
    public long ringFrames, ringFramesCut, ringDrops;
    public long relayAccepted, relaySessions, relayBytesToBackend, relayBytesToClient;
    public long relayNoBackend, relayBackendResets, relayClientResets, relayConnectFailures;
    /** System.nanoTime() of the copy: a shard whose snapshot stops moving is not running. */
    public long takenAtNs;

    public ShardSnapshot(String[] ackInvalidReasons, String[] dropReasons) {
        this.ackInvalidReasons = ackInvalidReasons;
        this.dropReasons = dropReasons;
        this.acksInvalid = new long[ackInvalidReasons.length];
        this.drops = new long[dropReasons.length];
    }
}
