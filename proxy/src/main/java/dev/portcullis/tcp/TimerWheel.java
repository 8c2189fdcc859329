package dev.portcullis.tcp;

import java.util.Arrays;

/**
 * A hashed timing wheel (Varghese and Lauck) whose timers are {@code long} ids: {@code generation << 32 | entry}.
 * Each timer carries a {@code long} owner that is handed back when it fires. Entries live in preallocated
 * parallel arrays linked into per-slot lists, so scheduling, cancelling and firing allocate nothing. Deadlines
 * further away than one turn of the wheel stay in their slot and are skipped until their turn comes.
 */
final class TimerWheel {
    interface Handler {
        void onTimer(long owner, long nowNs);
    }

    private static final int FREE = 0, LINKED = 1, FIRING = 2;

    private final long tickNs;
    private final int slotMask;
    private final int[] head;
    private final int[] next, prev, gen, state, slotOf;
    private final long[] deadline, owner;
    private final int[] freeList;
    private int freeCount;
    private final long[] firing;
    private long currentTick;
    private boolean started;
    private int live;
    private long cachedNext = Long.MAX_VALUE;
    private boolean nextValid = true;

    TimerWheel(long tickNs, int slots, int capacity) {
        this.tickNs = tickNs;
        slotMask = slots - 1;
        head = new int[slots];
        Arrays.fill(head, -1);
        next = new int[capacity];
        prev = new int[capacity];
        gen = new int[capacity];
        state = new int[capacity];
        slotOf = new int[capacity];
        deadline = new long[capacity];
        owner = new long[capacity];
        freeList = new int[capacity];
        for (int i = 0; i < capacity; i++) freeList[i] = capacity - 1 - i;
        freeCount = capacity;
        firing = new long[capacity];
    }

    int live() { return live; }

    /** Sets the wheel's current time; called once, with the engine's first clock reading. */
    void start(long nowNs) {
        if (started) return;
        currentTick = Math.floorDiv(nowNs, tickNs);
        started = true;
    }

    /** Schedules a timer; returns its id, or -1 when every entry is in use. */
    long schedule(long deadlineNs, long ownerId) {
        if (freeCount == 0) return -1;
        int e = freeList[--freeCount];
        long tick = Math.floorDiv(deadlineNs, tickNs);
        if (!started) start(deadlineNs);
        if (tick < currentTick) tick = currentTick;
        int s = (int) tick & slotMask;
        deadline[e] = deadlineNs;
        owner[e] = ownerId;
        state[e] = LINKED;
        slotOf[e] = s;
        prev[e] = -1;
        next[e] = head[s];
        if (head[s] >= 0) prev[head[s]] = e;
        head[s] = e;
        live++;
        if (deadlineNs < cachedNext) cachedNext = deadlineNs;
        return ((long) gen[e] << 32) | e;
    }

    /** Cancels the timer if it has not fired yet; a stale id does nothing. */
    boolean cancel(long id) {
        if (id < 0) return false;
        int e = (int) id;
        if (e >= gen.length || gen[e] != (int) (id >>> 32) || state[e] == FREE) return false;
        if (state[e] == LINKED) unlink(e);
        release(e);
        return true;
    }

    private void unlink(int e) {
        unlinkFromSlot(e, slotOf[e]);
    }

    private void release(int e) {
        state[e] = FREE;
        gen[e]++;
        freeList[freeCount++] = e;
        live--;
    }

    /** Fires every timer due at {@code nowNs}; returns how many fired. */
    int poll(long nowNs, Handler handler) {
        if (!started) return 0;
        long nowTick = Math.floorDiv(nowNs, tickNs);
        int count = 0;
        long steps = Math.min(nowTick - currentTick, slotMask);
        for (long t = 0; t <= steps && nowTick >= currentTick; t++) {
            int s = (int) (currentTick + t) & slotMask;
            for (int e = head[s]; e >= 0; ) {
                int n = next[e];
                if (deadline[e] <= nowNs) {
                    unlinkFromSlot(e, s);
                    state[e] = FIRING;
                    firing[count++] = ((long) gen[e] << 32) | e;
                }
                e = n;
            }
        }
        if (nowTick > currentTick) currentTick = nowTick;
        for (int i = 0; i < count; i++) {
            long id = firing[i];
            int e = (int) id;
            if (gen[e] != (int) (id >>> 32) || state[e] != FIRING) continue; // cancelled by an earlier handler
            long o = owner[e];
            release(e);
            handler.onTimer(o, nowNs);
        }
        // the cached earliest deadline stays a valid lower bound unless something fired or it has passed
        if (count > 0 || cachedNext <= nowNs) nextValid = false;
        return count;
    }

    private void unlinkFromSlot(int e, int s) {
        if (prev[e] >= 0) next[prev[e]] = next[e];
        else head[s] = next[e];
        if (next[e] >= 0) prev[next[e]] = prev[e];
    }

    /**
     * The earliest deadline, or {@code Long.MAX_VALUE}. It may be earlier than any live timer (a cancelled one),
     * which only costs a poll that fires nothing.
     */
    long nextDeadlineNs() {
        if (live == 0) return Long.MAX_VALUE;
        if (nextValid) return cachedNext;
        long best = Long.MAX_VALUE;
        long turnEnd = (currentTick + slotMask + 1) * tickNs;
        for (int t = 0; t <= slotMask; t++) {
            int s = (int) (currentTick + t) & slotMask;
            long slotBest = Long.MAX_VALUE;
            for (int e = head[s]; e >= 0; e = next[e]) {
                long d = deadline[e];
                if (d < best) best = d;
                if (d < turnEnd && d < slotBest) slotBest = d;
            }
            if (slotBest != Long.MAX_VALUE) {
                best = Math.min(best, slotBest);
                break;
            }
        }
        cachedNext = best;
        nextValid = true;
        return best;
    }
}
