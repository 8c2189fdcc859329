package dev.portcullis.tcp;

/** A listening port: its accept queue of established connection ids, bounded by the backlog (listen(2)). */
final class Listener {
    final int port, backlog;
    private final long[] queue;
    private int head, count;

    Listener(int port, int backlog) {
        this.port = port;
        this.backlog = backlog;
        queue = new long[backlog];
    }

    /** Linux's sk_acceptq_is_full: counts entries that may since have died; accept() skips those. */
    boolean full() { return count >= backlog; }
    int depth() { return count; }

    boolean offer(long id) {
        if (count == backlog) return false;
        queue[(head + count) % backlog] = id;
        count++;
        return true;
    }

    long poll() {
        if (count == 0) return -1;
        long id = queue[head];
        head = (head + 1) % backlog;
        count--;
        return id;
    }
}
