package dev.portcullis.tcp;

import dev.portcullis.wire.ParsedFrame;

/**
 * The stateful SYN queue of ON_OVERFLOW mode (Linux's request socks): one compact entry per half-open
 * connection, with everything needed to resend the SYN-ACK and to build the connection, including the options a
 * cookie without timestamps would lose. Bounded; the handshake falls back to cookies when it is full.
 */
final class SynQueue {
    private final FlowTable table;
    final long[] rHi, rLo, lHi, lLo, peerMac, timer, sentNs;
    final int[] ports, vip, vlan, irs, iss, peerMss, peerWs, tsRecent, tsVal, retries, listener, window;
    final boolean[] v6, sack, ts, ecn;
    private final int[] free;
    private int freeCount;

    SynQueue(int n, long seed) {
        table = new FlowTable(n, seed ^ 0x27d4eb2f165667c5L);
        rHi = new long[n]; rLo = new long[n]; lHi = new long[n]; lLo = new long[n];
        peerMac = new long[n]; timer = new long[n]; sentNs = new long[n];
        ports = new int[n]; vip = new int[n]; vlan = new int[n]; irs = new int[n]; iss = new int[n];
        peerMss = new int[n]; peerWs = new int[n]; tsRecent = new int[n]; tsVal = new int[n];
        retries = new int[n]; listener = new int[n]; window = new int[n];
        v6 = new boolean[n]; sack = new boolean[n]; ts = new boolean[n]; ecn = new boolean[n];
        free = new int[n];
        for (int i = 0; i < n; i++) free[i] = n - 1 - i;
        freeCount = n;
    }

    boolean full() { return freeCount == 0; }
    int size() { return free.length - freeCount; }

    int lookup(long h, long l, int p, int v) {
        return table.get(h, l, p, v);
    }

    /** A new entry for SYN {@code f}; -1 when full. The caller fills iss, options and timer. */
    int add(ParsedFrame f, int vipIndex, int ports4, int listenerIndex) {
        if (freeCount == 0) return -1;
        int e = free[--freeCount];
        rHi[e] = f.srcHi; rLo[e] = f.srcLo; lHi[e] = f.dstHi; lLo[e] = f.dstLo;
        ports[e] = ports4; vip[e] = vipIndex; vlan[e] = f.vlanTci; peerMac[e] = f.srcMac;
        v6[e] = f.ipVersion == 6;
        irs[e] = f.seq;
        listener[e] = listenerIndex;
        retries[e] = 0;
        timer[e] = -1;
        table.put(f.srcHi, f.srcLo, ports4, vipIndex, e);
        return e;
    }

    void remove(int e) {
        table.remove(rHi[e], rLo[e], ports[e], vip[e]);
        free[freeCount++] = e;
    }
}
