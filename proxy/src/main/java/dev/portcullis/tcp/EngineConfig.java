package dev.portcullis.tcp;

import java.util.Arrays;

/**
 * Immutable settings of one {@link TcpEngine}; built with {@link #builder()}. Durations are nanoseconds, sizes
 * bytes. The defaults follow Linux where Linux has an equivalent (named in each setter's comment).
 */
public final class EngineConfig {
    /** How SYNs are answered. */
    public enum CookieMode {
        /** Every SYN gets a cookie SYN-ACK and no state (tcp_syncookies=2). */
        ALWAYS,
        /** A bounded SYN queue with SYN-ACK retransmission; cookies once it is full (tcp_syncookies=1). */
        ON_OVERFLOW
    }

    final long localMac, gatewayMac;
    final long[] vipHi, vipLo;
    final int[] listenPorts, listenBacklogs;
    final CookieMode cookieMode;
    final int synQueueSize, synackRetries;
    final long synackInitialRtoNs;
    final boolean abortOnOverflow;
    final long mslNs;
    final int timeWaitCapacity;
    final long delayedAckNs;
    final int receiveBufferBytes, sendBufferBytes;
    final long memoryBudgetBytes;
    final int chunkBytes;
    final int maxConnections;
    final int rstPerSecond;
    final int challengeAcksPerConnPerSecond, challengeAcksGlobalPerSecond;
    final long idleTimeoutNs, zeroWindowTimeoutNs, finWait2TimeoutNs;
    final int mtu;
    final long minRtoNs, maxRtoNs, initialRtoNs;
    final int maxRetransmits;
    final int initialCwndSegments;
    final int gsoMaxBytes;
    final int oooMaxRanges;
    /** The window follows {@link Bbr}'s path model instead of CUBIC's loss response. */
    final boolean bbr;
    final boolean timestamps, sack, windowScaling, ecn;
    final long hashSeed;
    final long timerTickNs;
    final int timerSlots;

    private EngineConfig(Builder b) {
        localMac = b.localMac;
        gatewayMac = b.gatewayMac;
        vipHi = Arrays.copyOf(b.vipHi, b.vipCount);
        vipLo = Arrays.copyOf(b.vipLo, b.vipCount);
        listenPorts = Arrays.copyOf(b.ports, b.portCount);
        listenBacklogs = Arrays.copyOf(b.backlogs, b.portCount);
        cookieMode = b.cookieMode;
        synQueueSize = b.synQueueSize;
        synackRetries = b.synackRetries;
        synackInitialRtoNs = b.synackInitialRtoNs;
        abortOnOverflow = b.abortOnOverflow;
        mslNs = b.mslNs;
        timeWaitCapacity = b.timeWaitCapacity > 0 ? b.timeWaitCapacity : b.maxConnections;
        delayedAckNs = b.delayedAckNs;
        receiveBufferBytes = b.receiveBufferBytes;
        sendBufferBytes = b.sendBufferBytes;
        memoryBudgetBytes = b.memoryBudgetBytes;
        chunkBytes = b.chunkBytes;
        maxConnections = b.maxConnections;
        rstPerSecond = b.rstPerSecond;
        challengeAcksPerConnPerSecond = b.challengeAcksPerConnPerSecond;
        challengeAcksGlobalPerSecond = b.challengeAcksGlobalPerSecond;
        idleTimeoutNs = b.idleTimeoutNs;
        zeroWindowTimeoutNs = b.zeroWindowTimeoutNs;
        finWait2TimeoutNs = b.finWait2TimeoutNs;
        mtu = b.mtu;
        minRtoNs = b.minRtoNs;
        maxRtoNs = b.maxRtoNs;
        initialRtoNs = b.initialRtoNs;
        maxRetransmits = b.maxRetransmits;
        initialCwndSegments = b.initialCwndSegments;
        gsoMaxBytes = b.gsoMaxBytes;
        oooMaxRanges = b.oooMaxRanges;
        bbr = b.bbr;
        timestamps = b.timestamps;
        sack = b.sack;
        windowScaling = b.windowScaling;
        ecn = b.ecn;
        hashSeed = b.hashSeed;
        timerTickNs = b.timerTickNs;
        timerSlots = b.timerSlots;
    }

    public static Builder builder() {
        return new Builder();
    }

    public CookieMode cookieMode() { return cookieMode; }
    public int mtu() { return mtu; }
    public int maxConnections() { return maxConnections; }
    public long memoryBudgetBytes() { return memoryBudgetBytes; }

    /** Our window-scale shift: the smallest that lets the receive buffer be advertised (RFC 7323 §2.3). */
    int ourWindowShift() {
        if (!windowScaling) return 0;
        int s = 0;
        while (s < 14 && ((long) receiveBufferBytes >> s) > 65535) s++;
        return s;
    }

    int vipIndex(long hi, long lo) {
        for (int i = 0; i < vipHi.length; i++) if (vipHi[i] == hi && vipLo[i] == lo) return i;
        return -1;
    }

    public static final class Builder {
        private long localMac, gatewayMac;
        private long[] vipHi = new long[4], vipLo = new long[4];
        private int vipCount;
        private int[] ports = new int[4], backlogs = new int[4];
        private int portCount;
        private CookieMode cookieMode = CookieMode.ALWAYS;
        private int synQueueSize = 1024, synackRetries = 5;
        private long synackInitialRtoNs = 1_000_000_000L;
        private boolean abortOnOverflow;
        private long mslNs = 30_000_000_000L;
        private int timeWaitCapacity;
        private long delayedAckNs = 40_000_000L;
        private int receiveBufferBytes = 256 * 1024, sendBufferBytes = 256 * 1024;
        private long memoryBudgetBytes = 64L * 1024 * 1024;
        private int chunkBytes = 4096;
        private int maxConnections = 16384;
        private int rstPerSecond = 1000;
        private int challengeAcksPerConnPerSecond = 10, challengeAcksGlobalPerSecond = 1000;
        private long idleTimeoutNs = 300_000_000_000L, zeroWindowTimeoutNs = 120_000_000_000L;
        private long finWait2TimeoutNs = 60_000_000_000L;
        private int mtu = 1500;
        private long minRtoNs = 200_000_000L, maxRtoNs = 120_000_000_000L, initialRtoNs = 1_000_000_000L;
        private int maxRetransmits = 15;
        private int initialCwndSegments = 10;
        private int gsoMaxBytes = 65536;
        private int oooMaxRanges = 256;
        private boolean bbr;
        private boolean timestamps = true, sack = true, windowScaling = true, ecn = true;
        private long hashSeed = new java.security.SecureRandom().nextLong();
        private long timerTickNs = 1_000_000L;
        private int timerSlots = 4096;

        private Builder() {}

        /** Our MAC: the source of every frame we send. */
        public Builder localMac(long mac) { localMac = mac; return this; }
        /** Send every frame to this MAC instead of the received frame's source (0: reply to the source). */
        public Builder gatewayMac(long mac) { gatewayMac = mac; return this; }

        /** A virtual IP as 128 bits; IPv4 in its IPv4-mapped form. */
        public Builder vip(long hi, long lo) {
            if (vipCount == vipHi.length) {
                vipHi = Arrays.copyOf(vipHi, vipCount * 2);
                vipLo = Arrays.copyOf(vipLo, vipCount * 2);
            }
            vipHi[vipCount] = hi;
            vipLo[vipCount++] = lo;
            return this;
        }

        /** An IPv4 virtual IP, as read big-endian into an int. */
        public Builder vipV4(int ipv4) { return vip(0, 0x0000_ffff_0000_0000L | (ipv4 & 0xffff_ffffL)); }

        /** A listening port on every VIP, with its accept-queue bound (listen(2)'s backlog). */
        public Builder listen(int port, int backlog) {
            if (port <= 0 || port > 65535) throw new IllegalArgumentException("port " + port);
            if (backlog <= 0) throw new IllegalArgumentException("backlog " + backlog);
            if (portCount == ports.length) {
                ports = Arrays.copyOf(ports, portCount * 2);
                backlogs = Arrays.copyOf(backlogs, portCount * 2);
            }
            ports[portCount] = port;
            backlogs[portCount++] = backlog;
            return this;
        }

        public Builder cookieMode(CookieMode m) { cookieMode = m; return this; }
        /** Entries of the stateful SYN queue (ON_OVERFLOW mode), shared by all listeners. */
        public Builder synQueueSize(int n) { synQueueSize = n; return this; }
        /** SYN-ACK retransmissions of a SYN-queue entry (tcp_synack_retries, 5). */
        public Builder synackRetries(int n) { synackRetries = n; return this; }
        public Builder synackInitialRtoNs(long ns) { synackInitialRtoNs = ns; return this; }
        /** Answer a valid final ACK with RST when the accept queue is full (tcp_abort_on_overflow). */
        public Builder abortOnOverflow(boolean b) { abortOnOverflow = b; return this; }
        /** Maximum segment lifetime; TIME_WAIT lasts 2 MSL (RFC 9293 §3.4.2). */
        public Builder mslNs(long ns) { mslNs = ns; return this; }
        /** Compact TIME_WAIT entries (tcp_max_tw_buckets); 0: as many as maxConnections. */
        public Builder timeWaitCapacity(int n) { timeWaitCapacity = n; return this; }
        public Builder delayedAckNs(long ns) { delayedAckNs = ns; return this; }
        /** Per-connection receive buffer: the most we advertise (tcp_rmem max). */
        public Builder receiveBufferBytes(int n) { receiveBufferBytes = n; return this; }
        /** Per-connection send buffer (tcp_wmem max). */
        public Builder sendBufferBytes(int n) { sendBufferBytes = n; return this; }
        /** All buffers of all connections together (tcp_mem). */
        public Builder memoryBudgetBytes(long n) { memoryBudgetBytes = n; return this; }
        /** Buffers are taken in chunks of this size as data arrives. */
        public Builder chunkBytes(int n) { chunkBytes = n; return this; }
        public Builder maxConnections(int n) { maxConnections = n; return this; }
        /** RSTs for segments matching nothing, per second, from one bucket (0: send none). */
        public Builder rstPerSecond(int n) { rstPerSecond = n; return this; }
        /** RFC 5961 §7: challenge ACKs per connection per second, and for all connections together. */
        public Builder challengeAcks(int perConnection, int global) {
            challengeAcksPerConnPerSecond = perConnection;
            challengeAcksGlobalPerSecond = global;
            return this;
        }
        /** Close a connection with no segment either way for this long (0: never). */
        public Builder idleTimeoutNs(long ns) { idleTimeoutNs = ns; return this; }
        /** Reset a peer that keeps its window closed this long while we have data for it (0: never). */
        public Builder zeroWindowTimeoutNs(long ns) { zeroWindowTimeoutNs = ns; return this; }
        /** An orphaned connection in FIN_WAIT_2 is dropped after this long (tcp_fin_timeout). */
        public Builder finWait2TimeoutNs(long ns) { finWait2TimeoutNs = ns; return this; }
        public Builder mtu(int n) { mtu = n; return this; }
        /** RFC 6298 §2.4 asks for 1 s; Linux uses 200 ms (TCP_RTO_MIN). */
        public Builder minRtoNs(long ns) { minRtoNs = ns; return this; }
        public Builder maxRtoNs(long ns) { maxRtoNs = ns; return this; }
        public Builder initialRtoNs(long ns) { initialRtoNs = ns; return this; }
        /** Retransmissions of one segment before the connection is dropped (tcp_retries2). */
        public Builder maxRetransmits(int n) { maxRetransmits = n; return this; }
        /** RFC 6928: 10. */
        public Builder initialCwndSegments(int n) { initialCwndSegments = n; return this; }
        /**
         * Payload bytes one frame of new data may carry when the sink offloads segmentation
         * ({@link FrameSink#offloadMaxFrame()}); 0 keeps every frame within the MTU. Default 65536.
         */
        public Builder gsoMaxBytes(int n) { gsoMaxBytes = Math.max(0, n); return this; }
        /** Separate out-of-order ranges held per connection; more are dropped. */
        public Builder oooMaxRanges(int n) { oooMaxRanges = n; return this; }
        /** true: {@link Bbr}'s model sets the window; false: CUBIC (RFC 9438). */
        public Builder bbr(boolean on) { bbr = on; return this; }
        public Builder timestamps(boolean b) { timestamps = b; return this; }
        public Builder sack(boolean b) { sack = b; return this; }
        public Builder windowScaling(boolean b) { windowScaling = b; return this; }
        /** Accept ECN when a client asks for it (RFC 3168; Linux's tcp_ecn=2). */
        public Builder ecn(boolean b) { ecn = b; return this; }
        /** Seed of the flow-table hash (random by default, so table collisions cannot be planned). */
        public Builder hashSeed(long s) { hashSeed = s; return this; }
        public Builder timerTick(long tickNs, int slots) { timerTickNs = tickNs; timerSlots = slots; return this; }

        public EngineConfig build() {
            if (vipCount == 0) throw new IllegalArgumentException("no VIP configured");
            if (portCount == 0) throw new IllegalArgumentException("no listening port configured");
            if (mtu < 576 || mtu > 65535) throw new IllegalArgumentException("mtu " + mtu);
            if (chunkBytes < 512 || Integer.bitCount(chunkBytes) != 1)
                throw new IllegalArgumentException("chunk size must be a power of two >= 512: " + chunkBytes);
            if (receiveBufferBytes < chunkBytes || sendBufferBytes < chunkBytes)
                throw new IllegalArgumentException("buffers must hold at least one chunk");
            if (receiveBufferBytes > (1 << 30) || sendBufferBytes > (1 << 30))
                throw new IllegalArgumentException("buffers above 1 GiB");
            if (memoryBudgetBytes < chunkBytes) throw new IllegalArgumentException("memory budget below one chunk");
            if (maxConnections <= 0 || synQueueSize <= 0) throw new IllegalArgumentException("table sizes");
            if (Integer.bitCount(timerSlots) != 1 || timerTickNs <= 0)
                throw new IllegalArgumentException("timer slots must be a power of two");
            if (oooMaxRanges < 1) throw new IllegalArgumentException("oooMaxRanges");
            return new EngineConfig(this);
        }
    }
}
