package dev.portcullis.tcp;

/**
 * The engine's counters: plain {@code long} fields written by the shard thread and read by metrics through
 * {@link #snapshot} on that same thread. Names ending in Depth/Entries/conn* and the memory fields are gauges;
 * everything else only grows.
 */
public final class EngineCounters {
    // Segments in and out
    public long segmentsIn, segmentsOut, bytesIn, bytesOut, framesNotForUs, txFull;
    /** Frames of new data sent for the sink to segment (each counted in segmentsOut as the segments it makes). */
    public long offloadFrames;
    // Handshake
    public long synsReceived, synCookiesSent, synAcksSent, synAckRetransmits, synQueueDepth, synQueueOverflows, synQueueExpired, synsNoListener, synsDroppedAcceptQueueFull, synsWithData, synsTimeWaitReused;
    // Final ACKs
    public long acksValidCookie, acksValidSynQueue, acksInvalidCookie, acksInvalidCookieExpired, acksInvalidCookieMss, acksNoFlags, acksInvalidSynQueue, acksDroppedAcceptQueueFull, acksResetAcceptQueueFull, acksRefusedConnectionLimit, acksRefusedMemory;
    // Queues and connections (gauges)
    public long acceptQueueDepth, connections, connEstablished, connFinWait1, connFinWait2, connCloseWait, connClosing, connLastAck, connDone, timeWaitEntries;
    // Connection totals
    public long connectionsOpened, connectionsClosed, resetsReceived, aborts, idleTimeouts, zeroWindowResets, retransmitTimeouts, closeTimeouts, timeWaitOverflows, timeWaitRecycled;
    // Data path
    // retransmits splits into retransmitsFast (sent by fast retransmit / SACK or NewReno recovery on ACKs) and
    // retransmitsTimeout (resent after a retransmission timeout); lostRetransmits: retransmissions found lost
    // tailLossProbes: RFC 8985 probes sent (a probe that resends counts in retransmitsFast); reorderingSeen: times
    // a connection's DupThresh grew because the path delivered a segment later than data sent after it
    public long retransmitsFast, retransmitsTimeout, lostRetransmits, tailLossProbes, reorderingSeen;
    public long retransmits, rtoExpirations, fastRetransmits, sackRecoveries, renoRecoveries, spuriousDupAcks, zeroWindowProbes, ecnCeReceived, ecnCwndReductions, delayedAcks, windowUpdates, oooSegments, pmtuUpdates, icmpIgnored;
    // RFC 5961 and resets
    public long challengeAcksSent, challengeAcksSuppressed, rstsSent, rstsRateLimited;
    // Drops by reason
    public long dropsNotAcceptable, dropsPaws, dropsBadAck, dropsNoAck, dropsOooFull, dropsMemory, dropsAfterClose, dropsNoConnection;
    // Memory (gauges)
    public long bufferChunksUsed, bufferChunksTotal;

    /** Copies every field into {@code into} and returns it. */
    public EngineCounters snapshot(EngineCounters into) {
        into.segmentsIn = segmentsIn;
        into.segmentsOut = segmentsOut;
        into.bytesIn = bytesIn;
        into.bytesOut = bytesOut;
        into.framesNotForUs = framesNotForUs;
        into.txFull = txFull;
        into.offloadFrames = offloadFrames;
        into.synsReceived = synsReceived;
        into.synCookiesSent = synCookiesSent;
        into.synAcksSent = synAcksSent;
        into.synAckRetransmits = synAckRetransmits;
        into.synQueueDepth = synQueueDepth;
        into.synQueueOverflows = synQueueOverflows;
        into.synQueueExpired = synQueueExpired;
        into.synsNoListener = synsNoListener;
        into.synsDroppedAcceptQueueFull = synsDroppedAcceptQueueFull;
        into.synsWithData = synsWithData;
        into.synsTimeWaitReused = synsTimeWaitReused;
        into.acksValidCookie = acksValidCookie;
        into.acksValidSynQueue = acksValidSynQueue;
        into.acksInvalidCookie = acksInvalidCookie;
        into.acksInvalidCookieExpired = acksInvalidCookieExpired;
        into.acksInvalidCookieMss = acksInvalidCookieMss;
        into.acksNoFlags = acksNoFlags;
        into.acksInvalidSynQueue = acksInvalidSynQueue;
        into.acksDroppedAcceptQueueFull = acksDroppedAcceptQueueFull;
        into.acksResetAcceptQueueFull = acksResetAcceptQueueFull;
        into.acksRefusedConnectionLimit = acksRefusedConnectionLimit;
        into.acksRefusedMemory = acksRefusedMemory;
        into.acceptQueueDepth = acceptQueueDepth;
        into.connections = connections;
        into.connEstablished = connEstablished;
        into.connFinWait1 = connFinWait1;
        into.connFinWait2 = connFinWait2;
        into.connCloseWait = connCloseWait;
        into.connClosing = connClosing;
        into.connLastAck = connLastAck;
        into.connDone = connDone;
        into.timeWaitEntries = timeWaitEntries;
        into.connectionsOpened = connectionsOpened;
        into.connectionsClosed = connectionsClosed;
        into.resetsReceived = resetsReceived;
        into.aborts = aborts;
        into.idleTimeouts = idleTimeouts;
        into.zeroWindowResets = zeroWindowResets;
        into.retransmitTimeouts = retransmitTimeouts;
        into.closeTimeouts = closeTimeouts;
        into.timeWaitOverflows = timeWaitOverflows;
        into.timeWaitRecycled = timeWaitRecycled;
        into.retransmits = retransmits;
        into.retransmitsFast = retransmitsFast;
        into.retransmitsTimeout = retransmitsTimeout;
        into.lostRetransmits = lostRetransmits;
        into.tailLossProbes = tailLossProbes;
        into.reorderingSeen = reorderingSeen;
        into.rtoExpirations = rtoExpirations;
        into.fastRetransmits = fastRetransmits;
        into.sackRecoveries = sackRecoveries;
        into.renoRecoveries = renoRecoveries;
        into.spuriousDupAcks = spuriousDupAcks;
        into.zeroWindowProbes = zeroWindowProbes;
        into.ecnCeReceived = ecnCeReceived;
        into.ecnCwndReductions = ecnCwndReductions;
        into.delayedAcks = delayedAcks;
        into.windowUpdates = windowUpdates;
        into.oooSegments = oooSegments;
        into.pmtuUpdates = pmtuUpdates;
        into.icmpIgnored = icmpIgnored;
        into.challengeAcksSent = challengeAcksSent;
        into.challengeAcksSuppressed = challengeAcksSuppressed;
        into.rstsSent = rstsSent;
        into.rstsRateLimited = rstsRateLimited;
        into.dropsNotAcceptable = dropsNotAcceptable;
        into.dropsPaws = dropsPaws;
        into.dropsBadAck = dropsBadAck;
        into.dropsNoAck = dropsNoAck;
        into.dropsOooFull = dropsOooFull;
        into.dropsMemory = dropsMemory;
        into.dropsAfterClose = dropsAfterClose;
        into.dropsNoConnection = dropsNoConnection;
        into.bufferChunksUsed = bufferChunksUsed;
        into.bufferChunksTotal = bufferChunksTotal;
        return into;
    }

    /** Every counter as {@code name=value}, one per line (for logs and tests). */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (segmentsIn != 0) b.append("segmentsIn=").append(segmentsIn).append('\n');
        if (segmentsOut != 0) b.append("segmentsOut=").append(segmentsOut).append('\n');
        if (bytesIn != 0) b.append("bytesIn=").append(bytesIn).append('\n');
        if (bytesOut != 0) b.append("bytesOut=").append(bytesOut).append('\n');
        if (framesNotForUs != 0) b.append("framesNotForUs=").append(framesNotForUs).append('\n');
        if (txFull != 0) b.append("txFull=").append(txFull).append('\n');
        if (offloadFrames != 0) b.append("offloadFrames=").append(offloadFrames).append('\n');
        if (synsReceived != 0) b.append("synsReceived=").append(synsReceived).append('\n');
        if (synCookiesSent != 0) b.append("synCookiesSent=").append(synCookiesSent).append('\n');
        if (synAcksSent != 0) b.append("synAcksSent=").append(synAcksSent).append('\n');
        if (synAckRetransmits != 0) b.append("synAckRetransmits=").append(synAckRetransmits).append('\n');
        if (synQueueDepth != 0) b.append("synQueueDepth=").append(synQueueDepth).append('\n');
        if (synQueueOverflows != 0) b.append("synQueueOverflows=").append(synQueueOverflows).append('\n');
        if (synQueueExpired != 0) b.append("synQueueExpired=").append(synQueueExpired).append('\n');
        if (synsNoListener != 0) b.append("synsNoListener=").append(synsNoListener).append('\n');
        if (synsDroppedAcceptQueueFull != 0) b.append("synsDroppedAcceptQueueFull=").append(synsDroppedAcceptQueueFull).append('\n');
        if (synsWithData != 0) b.append("synsWithData=").append(synsWithData).append('\n');
        if (synsTimeWaitReused != 0) b.append("synsTimeWaitReused=").append(synsTimeWaitReused).append('\n');
        if (acksValidCookie != 0) b.append("acksValidCookie=").append(acksValidCookie).append('\n');
        if (acksValidSynQueue != 0) b.append("acksValidSynQueue=").append(acksValidSynQueue).append('\n');
        if (acksInvalidCookie != 0) b.append("acksInvalidCookie=").append(acksInvalidCookie).append('\n');
        if (acksInvalidCookieExpired != 0) b.append("acksInvalidCookieExpired=").append(acksInvalidCookieExpired).append('\n');
        if (acksInvalidCookieMss != 0) b.append("acksInvalidCookieMss=").append(acksInvalidCookieMss).append('\n');
        if (acksNoFlags != 0) b.append("acksNoFlags=").append(acksNoFlags).append('\n');
        if (acksInvalidSynQueue != 0) b.append("acksInvalidSynQueue=").append(acksInvalidSynQueue).append('\n');
        if (acksDroppedAcceptQueueFull != 0) b.append("acksDroppedAcceptQueueFull=").append(acksDroppedAcceptQueueFull).append('\n');
        if (acksResetAcceptQueueFull != 0) b.append("acksResetAcceptQueueFull=").append(acksResetAcceptQueueFull).append('\n');
        if (acksRefusedConnectionLimit != 0) b.append("acksRefusedConnectionLimit=").append(acksRefusedConnectionLimit).append('\n');
        if (acksRefusedMemory != 0) b.append("acksRefusedMemory=").append(acksRefusedMemory).append('\n');
        if (acceptQueueDepth != 0) b.append("acceptQueueDepth=").append(acceptQueueDepth).append('\n');
        if (connections != 0) b.append("connections=").append(connections).append('\n');
        if (connEstablished != 0) b.append("connEstablished=").append(connEstablished).append('\n');
        if (connFinWait1 != 0) b.append("connFinWait1=").append(connFinWait1).append('\n');
        if (connFinWait2 != 0) b.append("connFinWait2=").append(connFinWait2).append('\n');
        if (connCloseWait != 0) b.append("connCloseWait=").append(connCloseWait).append('\n');
        if (connClosing != 0) b.append("connClosing=").append(connClosing).append('\n');
        if (connLastAck != 0) b.append("connLastAck=").append(connLastAck).append('\n');
        if (connDone != 0) b.append("connDone=").append(connDone).append('\n');
        if (timeWaitEntries != 0) b.append("timeWaitEntries=").append(timeWaitEntries).append('\n');
        if (connectionsOpened != 0) b.append("connectionsOpened=").append(connectionsOpened).append('\n');
        if (connectionsClosed != 0) b.append("connectionsClosed=").append(connectionsClosed).append('\n');
        if (resetsReceived != 0) b.append("resetsReceived=").append(resetsReceived).append('\n');
        if (aborts != 0) b.append("aborts=").append(aborts).append('\n');
        if (idleTimeouts != 0) b.append("idleTimeouts=").append(idleTimeouts).append('\n');
        if (zeroWindowResets != 0) b.append("zeroWindowResets=").append(zeroWindowResets).append('\n');
        if (retransmitTimeouts != 0) b.append("retransmitTimeouts=").append(retransmitTimeouts).append('\n');
        if (closeTimeouts != 0) b.append("closeTimeouts=").append(closeTimeouts).append('\n');
        if (timeWaitOverflows != 0) b.append("timeWaitOverflows=").append(timeWaitOverflows).append('\n');
        if (timeWaitRecycled != 0) b.append("timeWaitRecycled=").append(timeWaitRecycled).append('\n');
        if (retransmits != 0) b.append("retransmits=").append(retransmits).append('\n');
        if (retransmitsFast != 0) b.append("retransmitsFast=").append(retransmitsFast).append('\n');
        if (retransmitsTimeout != 0) b.append("retransmitsTimeout=").append(retransmitsTimeout).append('\n');
        if (lostRetransmits != 0) b.append("lostRetransmits=").append(lostRetransmits).append('\n');
        if (tailLossProbes != 0) b.append("tailLossProbes=").append(tailLossProbes).append('\n');
        if (reorderingSeen != 0) b.append("reorderingSeen=").append(reorderingSeen).append('\n');
        if (rtoExpirations != 0) b.append("rtoExpirations=").append(rtoExpirations).append('\n');
        if (fastRetransmits != 0) b.append("fastRetransmits=").append(fastRetransmits).append('\n');
        if (sackRecoveries != 0) b.append("sackRecoveries=").append(sackRecoveries).append('\n');
        if (renoRecoveries != 0) b.append("renoRecoveries=").append(renoRecoveries).append('\n');
        if (spuriousDupAcks != 0) b.append("spuriousDupAcks=").append(spuriousDupAcks).append('\n');
        if (ecnCeReceived != 0) b.append("ecnCeReceived=").append(ecnCeReceived).append('\n');
        if (ecnCwndReductions != 0) b.append("ecnCwndReductions=").append(ecnCwndReductions).append('\n');
        if (zeroWindowProbes != 0) b.append("zeroWindowProbes=").append(zeroWindowProbes).append('\n');
        if (delayedAcks != 0) b.append("delayedAcks=").append(delayedAcks).append('\n');
        if (windowUpdates != 0) b.append("windowUpdates=").append(windowUpdates).append('\n');
        if (oooSegments != 0) b.append("oooSegments=").append(oooSegments).append('\n');
        if (pmtuUpdates != 0) b.append("pmtuUpdates=").append(pmtuUpdates).append('\n');
        if (icmpIgnored != 0) b.append("icmpIgnored=").append(icmpIgnored).append('\n');
        if (challengeAcksSent != 0) b.append("challengeAcksSent=").append(challengeAcksSent).append('\n');
        if (challengeAcksSuppressed != 0) b.append("challengeAcksSuppressed=").append(challengeAcksSuppressed).append('\n');
        if (rstsSent != 0) b.append("rstsSent=").append(rstsSent).append('\n');
        if (rstsRateLimited != 0) b.append("rstsRateLimited=").append(rstsRateLimited).append('\n');
        if (dropsNotAcceptable != 0) b.append("dropsNotAcceptable=").append(dropsNotAcceptable).append('\n');
        if (dropsPaws != 0) b.append("dropsPaws=").append(dropsPaws).append('\n');
        if (dropsBadAck != 0) b.append("dropsBadAck=").append(dropsBadAck).append('\n');
        if (dropsNoAck != 0) b.append("dropsNoAck=").append(dropsNoAck).append('\n');
        if (dropsOooFull != 0) b.append("dropsOooFull=").append(dropsOooFull).append('\n');
        if (dropsMemory != 0) b.append("dropsMemory=").append(dropsMemory).append('\n');
        if (dropsAfterClose != 0) b.append("dropsAfterClose=").append(dropsAfterClose).append('\n');
        if (dropsNoConnection != 0) b.append("dropsNoConnection=").append(dropsNoConnection).append('\n');
        if (bufferChunksUsed != 0) b.append("bufferChunksUsed=").append(bufferChunksUsed).append('\n');
        if (bufferChunksTotal != 0) b.append("bufferChunksTotal=").append(bufferChunksTotal).append('\n');
        return b.toString();
    }
}
