package dev.portcullis.tcp;

/**
 * A listening port: its accept queue of established connection ids, bounded by the backlog (listen(2)). Only
 * live entries count against the backlog: a connection reset or closed before accept() leaves a stale id in the
 * ring, which accept() skips and a full ring compacts away.
 */
final class Listener {
    final int port, backlog;
    private final long[] queue;
    private int head, count;
    int live; // queued connections that are still alive and not yet accepted

    Listener(int port, int backlog) {
        this.port = port;
        this.backlog = backlog;
        queue = new long[backlog];
    }

    /** Linux's sk_acceptq_is_full. */
    boolean full() { return live >= backlog; }

    /** Adds a live connection (the caller checked {@link #full()}). */
    boolean offer(long id, EngineCore core) {
        if (count == queue.length) compact(core);
        if (count == queue.length) return false;
        queue[(head + count) % queue.length] = id;
        count++;
        live++;
        return true;
    }

    /** The next id in the ring (possibly stale), or -1. */
    long poll() {
        if (count == 0) return -1;
        long id = queue[head];
        head = (head + 1) % queue.length;
        count--;
        return id;
    }

    /** Drops the ids of connections that died or were closed while queued. */
    private void compact(EngineCore core) {
        int n = count, kept = 0;
        for (int i = 0; i < n; i++) {
            long id = queue[(head + i) % queue.length];
            Connection c = core.byId(id);
            if (c != null && c.queued) queue[(head + kept++) % queue.length] = id;
        }
        count = kept;
    }
}
