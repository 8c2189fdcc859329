package dev.portcullis.tcp;

import java.util.Arrays;

/**
 * An open-addressing hash table from a flow's 4-tuple to an int (a slot in the owner's store): linear probing,
 * backward-shift deletion (no tombstones), primitive keys only. The key is the remote address (two longs), both
 * ports packed in an int ({@code remotePort << 16 | localPort}) and the index of the local VIP. The hash is
 * seeded so that collisions cannot be planned from outside.
 */
final class FlowTable {
    private final long[] hi, lo;
    private final int[] ports, vip, value;
    private final int mask, maxSize;
    private final long seed;
    private int size;

    FlowTable(int maxSize, long seed) {
        this.maxSize = maxSize;
        int cap = Integer.highestOneBit(Math.max(4, maxSize) * 2 - 1) << 1; // load factor <= 0.5
        hi = new long[cap];
        lo = new long[cap];
        ports = new int[cap];
        vip = new int[cap];
        value = new int[cap];
        Arrays.fill(value, -1);
        mask = cap - 1;
        this.seed = seed;
    }

    int size() { return size; }
    boolean full() { return size >= maxSize; }

    private int home(long h, long l, int p, int v) {
        long x = seed ^ h * 0x9E3779B97F4A7C15L;
        x = (x ^ l) * 0xC2B2AE3D27D4EB4FL;
        x = (x ^ ((long) p << 8 | v)) * 0x165667B19E3779F9L;
        x ^= x >>> 29;
        x *= 0xBF58476D1CE4E5B9L;
        x ^= x >>> 32;
        return (int) x & mask;
    }

    /** The value stored for the key, or -1. */
    int get(long h, long l, int p, int v) {
        int i = home(h, l, p, v);
        while (true) {
            int val = value[i];
            if (val < 0) return -1;
            if (hi[i] == h && lo[i] == l && ports[i] == p && vip[i] == v) return val;
            i = (i + 1) & mask;
        }
    }

    /** Inserts or replaces; false (and nothing stored) when the table already holds its maximum. */
    boolean put(long h, long l, int p, int v, int val) {
        int i = home(h, l, p, v);
        while (true) {
            if (value[i] < 0) {
                if (size >= maxSize) return false;
                hi[i] = h; lo[i] = l; ports[i] = p; vip[i] = v; value[i] = val;
                size++;
                return true;
            }
            if (hi[i] == h && lo[i] == l && ports[i] == p && vip[i] == v) {
                value[i] = val;
                return true;
            }
            i = (i + 1) & mask;
        }
    }

    /** Removes the key; returns its value or -1. */
    int remove(long h, long l, int p, int v) {
        int i = home(h, l, p, v);
        while (true) {
            int val = value[i];
            if (val < 0) return -1;
            if (hi[i] == h && lo[i] == l && ports[i] == p && vip[i] == v) {
                shiftBack(i);
                size--;
                return val;
            }
            i = (i + 1) & mask;
        }
    }

    /** Knuth's algorithm R: move later entries of the probe run into the hole so lookups need no tombstones. */
    private void shiftBack(int hole) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            if (value[i] < 0) break;
            int h = home(hi[i], lo[i], ports[i], vip[i]);
            // entry at i may move to the hole unless its home lies cyclically in (hole, i]
            boolean stays = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
            if (stays) continue;
            hi[hole] = hi[i]; lo[hole] = lo[i]; ports[hole] = ports[i]; vip[hole] = vip[i]; value[hole] = value[i];
            hole = i;
        }
        value[hole] = -1;
    }
}
