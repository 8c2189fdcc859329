package dev.portcullis.io;

import dev.portcullis.wire.ParseVerdict;

/**
 * A shard's counters: plain longs written by the shard's thread only; metrics copy them with
 * {@link Shard#snapshot(ShardCounters)} on that thread (or {@link Shard#snapshot()} from elsewhere).
 */
public final class ShardCounters {
    /** Frames the parser rejected, indexed by {@link ParseVerdict} (index OK stays 0). */
    public final long[] parseDrops = new long[ParseVerdict.COUNT];
    public long framesIn, framesToEngine, badChecksum, badIpHeaderChecksum, notForUs, gsoFrames, vlanFrames;
    public long checksumTrustedPartial, checksumTrustedValid, checksumVerified;
    public long arpRequests, arpReplies, ndSolicitations, ndAdvertisements, announcementsSent;
    public long txClaimFailed, flushes, timerRuns, wakeups, engineErrors;
    /** Time spent handling ring wake-ups (parse, answer, engine), for the shard's utilisation. */
    public long rxBusyNs;
    /** EPOLLERR on the ring's fd (e.g. the interface went down) and the errno last read with SO_ERROR. */
    public long socketErrors, lastSocketErrno;
    /** Socket calls that failed outside the packet path (multicast join, statistics, SO_ERROR). */
    public long setupErrors;
    /** Overload ({@link SynShedder}): SYNs shed, proven sources' SYNs answered while shedding, sources proven. */
    public long synsShed, synsShedProvenKept, sourcesProven;
    // from the socket
    public long rxFrames, rxBytes, rxBlocks, rxTruncated, txFrames, txBytes, txBatches, txDropped, txErrors;
    public long kernelPackets, kernelDrops, kernelFreezeQueueCount;
    /** From the small-frame ring (TPACKET_V2), when the shard has one: its frames, cuts, and kernel statistics. */
    public long smallRxFrames, smallRxBytes, smallRxTruncated, smallRxMalformed, smallKernelPackets, smallKernelDrops;

    void copyFrom(ShardCounters o) {
        System.arraycopy(o.parseDrops, 0, parseDrops, 0, parseDrops.length);
        framesIn = o.framesIn; framesToEngine = o.framesToEngine; badChecksum = o.badChecksum;
        badIpHeaderChecksum = o.badIpHeaderChecksum; notForUs = o.notForUs; gsoFrames = o.gsoFrames;
        vlanFrames = o.vlanFrames; checksumTrustedPartial = o.checksumTrustedPartial;
        checksumTrustedValid = o.checksumTrustedValid; checksumVerified = o.checksumVerified;
        arpRequests = o.arpRequests; arpReplies = o.arpReplies; ndSolicitations = o.ndSolicitations;
        ndAdvertisements = o.ndAdvertisements; announcementsSent = o.announcementsSent;
        txClaimFailed = o.txClaimFailed; flushes = o.flushes; timerRuns = o.timerRuns; wakeups = o.wakeups;
        engineErrors = o.engineErrors; rxBusyNs = o.rxBusyNs;
        socketErrors = o.socketErrors; lastSocketErrno = o.lastSocketErrno; setupErrors = o.setupErrors;
        synsShed = o.synsShed; synsShedProvenKept = o.synsShedProvenKept; sourcesProven = o.sourcesProven;
    }

    void copySocket(PacketSocket s) {
        rxFrames = s.rxFrames(); rxBytes = s.rxBytes(); rxBlocks = s.rxBlocks(); rxTruncated = s.rxTruncated();
        txFrames = s.txFrames; txBytes = s.txBytes; txBatches = s.txBatches; txDropped = s.txDropped;
        txErrors = s.txErrors; kernelPackets = s.kernelPackets; kernelDrops = s.kernelDrops;
        kernelFreezeQueueCount = s.kernelFreezeQueueCount;
    }

    void copySmall(SmallFrameSocket s) {
        smallRxFrames = s.rxFrames(); smallRxBytes = s.rxBytes(); smallRxTruncated = s.rxTruncated();
        smallRxMalformed = s.rxMalformed(); smallKernelPackets = s.kernelPackets; smallKernelDrops = s.kernelDrops;
    }

    /** The sum of all parse drops. */
    public long parseDropsTotal() {
        long t = 0;
        for (long v : parseDrops) {
            t += v;
        }
        return t;
    }
}
