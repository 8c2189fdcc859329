package dev.portcullis.tcp;

/**
 * The timers of a connection (RFC 9293 §3.8: retransmission, persist, delayed ACK; idle and FIN_WAIT_2
 * timeouts) share one wheel entry at the earliest deadline. A deadline that moves later leaves the entry where it
 * is: it fires early, finds nothing due, and re-arms, which is cheaper than rescheduling on every segment.
 */
final class ConnTimers {
    static final long MEMORY_RETRY_NS = 10_000_000L;

    private final EngineCore core;
    private final EngineConfig cfg;

    ConnTimers(EngineCore core) {
        this.core = core;
        this.cfg = core.cfg;
    }

    private static long earliest(Connection c) {
        long d = Math.min(c.rtoDeadline, c.persistDeadline);
        d = Math.min(d, c.delackDeadline);
        d = Math.min(d, c.idleDeadline);
        d = Math.min(d, c.memoryRetryDeadline);
        return Math.min(d, c.finWait2Deadline);
    }

    void arm(Connection c) {
        if (c.tcpDone) return;
        long d = earliest(c);
        if (d == Long.MAX_VALUE) {
            if (c.timerId >= 0) {
                core.wheel.cancel(c.timerId);
                c.timerId = -1;
                c.timerAt = Long.MAX_VALUE;
            }
            return;
        }
        if (c.timerId >= 0 && c.timerAt <= d) return;
        if (c.timerId >= 0) core.wheel.cancel(c.timerId);
        c.timerId = core.wheel.schedule(d, EngineCore.OWNER_CONN | c.slot);
        c.timerAt = d;
    }

    /** The wheel entry of {@code c} fired at {@code nowNs}. */
    void fire(Connection c, long nowNs) {
        c.timerId = -1;
        c.timerAt = Long.MAX_VALUE;
        if (c.tcpDone) return;
        if (c.idleDeadline <= nowNs) {
            long due = c.lastActivityNs + cfg.idleTimeoutNs;
            if (due <= nowNs) {
                core.ctr.idleTimeouts++;
                core.sender.sendReset(c);
                core.finish(c, CloseReason.IDLE_TIMEOUT);
                return;
            }
            c.idleDeadline = due;
        }
        if (c.finWait2Deadline <= nowNs) {
            core.ctr.closeTimeouts++;
            core.sender.sendReset(c);
            core.finish(c, CloseReason.CLOSE_TIMEOUT);
            return;
        }
        if (c.rtoDeadline <= nowNs) {
            core.sender.onRto(c);
            if (c.tcpDone) return;
        }
        if (c.persistDeadline <= nowNs) {
            core.sender.onPersist(c);
            if (c.tcpDone) return;
        }
        if (c.memoryRetryDeadline <= nowNs) {
            // the pool was empty when the application wrote: no ACK of ours may ever come to say there is room
            c.memoryRetryDeadline = Long.MAX_VALUE;
            if (c.writeBlocked && core.pool.freeChunks() > 0) {
                c.writeBlocked = false;
                core.events.onWritable(c.id);
                if (c.tcpDone) return;
            } else if (c.writeBlocked) {
                c.memoryRetryDeadline = nowNs + MEMORY_RETRY_NS;
            }
        }
        if (c.delackDeadline <= nowNs) {
            c.delackDeadline = Long.MAX_VALUE;
            if (c.lastAckSent != c.rcvNxt || c.bytesSinceAck > 0) {
                core.ctr.delayedAcks++;
                core.sender.sendAck(c);
            }
        }
        arm(c);
    }
}
