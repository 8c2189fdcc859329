package dev.portcullis.io;

import dev.portcullis.guard.SynGuard;
import dev.portcullis.tcp.FrameSink;
import dev.portcullis.tcp.TcpEngine;
import dev.portcullis.wire.ArpWriter;
import dev.portcullis.wire.Checksum;
import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.IcmpView;
import dev.portcullis.wire.NdWriter;
import dev.portcullis.wire.ParseVerdict;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.TcpFlags;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One shard: a packet socket, its engine and its counters, all run on one Netty epoll event loop thread. The
 * ring's file descriptor sits in the loop's epoll set through Netty 4.2's custom {@link EpollIoHandle} API, next
 * to the relay's backend channels on the same loop ({@link #eventLoop()}), so a connection never crosses threads.
 *
 * <p>One wake-up (the agent's {@code doWork}): read the clocks once; take up to {@code maxBlocksPerWake} ring
 * blocks; parse each frame; answer ARP requests and neighbour solicitations for a VIP; hand TCP and ICMP to the
 * engine; then the TX batch is flushed once, by a task that runs after the loop's I/O in the same iteration (so
 * frames the relay's handlers make through {@code engine.write/read} in that iteration go in the same batch);
 * the engine's timer is a scheduled task at {@code engine.nextDeadlineNs()}, re-armed when it moves earlier.
 */
public final class Shard implements AutoCloseable {
    /**
     * @param vip4             IPv4 VIPs (as ints) answered for by ARP
     * @param vip6             IPv6 VIPs as hi/lo pairs answered for by ND
     * @param answerNeighbours true in the owned-VIP mode; false when the VIP is the host's own address (the
     *                         kernel answers)
     * @param maxBlocksPerWake ring blocks taken per wake-up at most (the rest waits for the next iteration, so
     *                         the backend channels on the loop are not starved)
     * @param shedSynsAfterNs  overload: strangers' SYNs that waited longer than this in the ring are shed
     *                         ({@link SynShedder}); 0 = never
     * @param provenForNs      how long a completed handshake keeps its source from being shed; 0 = never
     */
    public record Options(int[] vip4, long[] vip6, boolean answerNeighbours, int maxBlocksPerWake,
                          long shedSynsAfterNs, long provenForNs) {
        /** With the default overload rule (5 ms, 120 s). */
        public Options(int[] vip4, long[] vip6, boolean answerNeighbours, int maxBlocksPerWake) {
            this(vip4, vip6, answerNeighbours, maxBlocksPerWake, SynShedder.DEFAULT_TARGET_NS,
                    SynShedder.DEFAULT_PROVEN_TTL_NS);
        }

        public Options {
            if (shedSynsAfterNs < 0 || provenForNs < 0) {
                throw new IllegalArgumentException("shedSynsAfterNs and provenForNs must be >= 0");
            }
            if (vip6.length % 2 != 0) {
                throw new IllegalArgumentException("vip6 holds hi/lo pairs");
            }
            if (maxBlocksPerWake < 1) {
                throw new IllegalArgumentException("maxBlocksPerWake must be >= 1");
            }
        }
    }

    private static final long NO_TIMER = Long.MAX_VALUE;
    /** Small-ring frames taken per wake-up at most (the ring stays readable and wakes the loop again). */
    static final int SMALL_FRAMES_PER_WAKE = 1024;

    private final IoEventLoop loop;
    private final PacketSocket socket;
    /** The TPACKET_V2 ring for frames the socket filter finds small (no block timer), or null. */
    private final SmallFrameSocket small;
    private final Options options;
    private final ParsedFrame frame = new ParsedFrame();
    private final ShardCounters counters = new ShardCounters();
    private final long mac;
    /** Checks pure SYNs before the engine makes a cookie (allow/deny, rate limits, heavy hitters); may be null. */
    private final SynGuard guard;
    /** Sheds strangers' SYNs while the ring's queue is long (overload); see {@link SynShedder}. */
    private final SynShedder shedder;
    private TcpEngine engine;
    private IoRegistration registration, smallRegistration;
    private final RxHandler rx = new RxHandler();
    private final Runnable flushTask = this::flushNow;
    private final Runnable timerTask = this::onTimer;
    private boolean flushScheduled;
    private ScheduledFuture<?> timer;
    private long armedDeadlineNs = NO_TIMER;
    private long nowNs, wallSeconds;
    /** CLOCK_REALTIME minus System.nanoTime (ms-exact), to age the ring's frames by their kernel timestamps. */
    private long realtimeOffsetNs;
    private volatile boolean closed;

    private Shard(IoEventLoop loop, PacketSocket socket, SmallFrameSocket small, Options options, SynGuard guard) {
        this.loop = loop;
        this.socket = socket;
        this.small = small;
        this.options = options;
        this.mac = socket.mac();
        this.guard = guard;
        this.shedder = new SynShedder(options.shedSynsAfterNs(), options.provenForNs(), SynShedder.DEFAULT_SLOTS,
                new java.security.SecureRandom().nextLong());
    }

    /**
     * Starts a shard on {@code loop}: builds the engine there with the socket's TX batch as its sink, registers
     * the ring's fd in the loop's epoll set, and announces the VIPs (gratuitous ARP, unsolicited NA) when it
     * answers for them. The returned future completes on the loop; when the start fails the socket is closed.
     */
    public static CompletableFuture<Shard> start(IoEventLoop loop, PacketSocket socket, Options options,
                                                 Function<FrameSink, TcpEngine> engineFactory) {
        return start(loop, socket, options, engineFactory, null);
    }

    /**
     * The same with a {@link SynGuard} that every pure SYN for a VIP passes before the engine sees it (null: none).
     * The guard belongs to the shard's thread from then on.
     */
    public static CompletableFuture<Shard> start(IoEventLoop loop, PacketSocket socket, Options options,
                                                 Function<FrameSink, TcpEngine> engineFactory, SynGuard guard) {
        return start(loop, socket, null, options, engineFactory, guard);
    }

    /**
     * The same with a small-frame ring (null: none) read in each wake-up after the socket's ring; the socket's
     * filter must leave it the small frames ({@link PacketSocket.Filter#largerThan}). The shard owns and closes it.
     */
    public static CompletableFuture<Shard> start(IoEventLoop loop, PacketSocket socket, SmallFrameSocket small,
                                                 Options options, Function<FrameSink, TcpEngine> engineFactory,
                                                 SynGuard guard) {
        Shard shard = new Shard(loop, socket, small, options, guard);
        CompletableFuture<Shard> started = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                shard.engine = engineFactory.apply(socket);
                socket.onFirstPending(shard::scheduleFlush);
                if (small != null) {
                    // on the loop, register completes at once; a failure closes both rings below
                    shard.smallRegistration = (IoRegistration) loop.register(new RingHandle(shard, small.fd()))
                            .syncUninterruptibly().getNow();
                    shard.smallRegistration.submit(EpollIoOps.EPOLLIN);
                }
                loop.register(new RingHandle(shard, socket.fd())).addListener(f -> {
                    if (!f.isSuccess()) {
                        shard.closeQuietly();
                        started.completeExceptionally(f.cause());
                        return;
                    }
                    try {
                        shard.registration = (IoRegistration) f.getNow();
                        // level-triggered: a ring left with ready blocks (maxBlocksPerWake) wakes the loop again
                        shard.registration.submit(EpollIoOps.EPOLLIN);
                        if (options.answerNeighbours()) {
                            shard.joinSolicitedNodeGroups();
                            shard.announce();
                        }
                        shard.armTimer();
                        started.complete(shard);
                    } catch (Throwable t) {
                        shard.cancelRegistrations();
                        shard.closeQuietly();
                        started.completeExceptionally(t);
                    }
                });
            } catch (Throwable t) {
                shard.cancelRegistrations();
                shard.closeQuietly();
                started.completeExceptionally(t);
            }
        });
        return started;
    }

    /** The event loop the shard runs on: the relay creates its backend channels here. */
    public IoEventLoop eventLoop() {
        return loop;
    }

    public PacketSocket socket() {
        return socket;
    }

    /** The small-frame ring, or null. */
    public SmallFrameSocket smallFrames() {
        return small;
    }

    /** The shard's engine: call it on {@link #eventLoop()} only. */
    public TcpEngine engine() {
        return engine;
    }

    /** The shard's SYN guard, or null; read it on {@link #eventLoop()} only. */
    public SynGuard guard() {
        return guard;
    }

    /** Copies the counters into {@code into}; call on {@link #eventLoop()} only. */
    public void snapshot(ShardCounters into) {
        try {
            socket.readStatistics();
        } catch (IOException e) {
            counters.setupErrors++;
        }
        counters.synsShed = shedder.shed;
        counters.synsShedProvenKept = shedder.provenKept;
        counters.sourcesProven = shedder.proven;
        into.copyFrom(counters);
        into.copySocket(socket);
        if (small != null) {
            try {
                small.readStatistics();
            } catch (IOException e) {
                counters.setupErrors++;
            }
            into.copySmall(small);
        }
    }

    /** The counters, copied on the loop (from any thread). */
    public CompletableFuture<ShardCounters> snapshot() {
        CompletableFuture<ShardCounters> f = new CompletableFuture<>();
        loop.execute(() -> {
            ShardCounters c = new ShardCounters();
            snapshot(c);
            f.complete(c);
        });
        return f;
    }

    // ---------------------------------------------------------------- the loop's work

    /** The ring's fd is readable: one bounded batch. */
    void onReadable() {
        counters.wakeups++;
        nowNs = System.nanoTime();
        long wallMs = System.currentTimeMillis();
        wallSeconds = wallMs / 1000;
        realtimeOffsetNs = wallMs * 1_000_000L - nowNs;
        // the retired blocks, each frame after the small ring's frames that arrived before it (a flow's frames
        // split over the two rings reach the engine in arrival order), then the small frames after the last block
        socket.readBlocks(rx, options.maxBlocksPerWake(), small);
        if (small != null) {
            small.readFrames(rx, SMALL_FRAMES_PER_WAKE);
        }
        counters.rxBusyNs += System.nanoTime() - nowNs;
        // no flush here: the task scheduled on the batch's first frame runs after this iteration's I/O, so the
        // relay's frames of the same iteration share the sendmmsg
        armTimer();
    }

    private final class RxHandler implements PacketSocket.RxHandler {
        @Override
        public void onFrame(MemorySegment ring, long offset, int length, int status, int vlanTci) {
            handleFrame(ring, offset, length, status, vlanTci);
        }
    }

    void handleFrame(MemorySegment ring, long offset, int length, int status, int vlanTci) {
        ShardCounters c = counters;
        c.framesIn++;
        boolean gso = (status & PacketSocket.TP_STATUS_GSO_TCP) != 0;
        int verdict = FrameParser.parse(ring, offset, length, frame, gso);
        if (verdict != ParseVerdict.OK) {
            c.parseDrops[verdict]++;
            return;
        }
        if (vlanTci >= 0) {
            frame.vlanTci = vlanTci; // the ring took the tag off; replies carry it back
            c.vlanFrames++;
        }
        if (gso) {
            c.gsoFrames++;
        }
        switch (frame.kind) {
            case ParsedFrame.KIND_ARP -> onArp();
            case ParsedFrame.KIND_ICMP6 -> {
                if (frame.icmpType == IcmpView.V6_NEIGHBOR_SOLICITATION) {
                    onSolicitation();
                } else if (frame.icmpType == IcmpView.V6_NEIGHBOR_ADVERTISEMENT) {
                    c.notForUs++;
                } else if (isVip(frame.dstHi, frame.dstLo) && checksumOk(status)) {
                    toEngine();
                }
            }
            case ParsedFrame.KIND_TCP, ParsedFrame.KIND_ICMP4 -> {
                if (!isVip(frame.dstHi, frame.dstLo)) {
                    c.notForUs++;
                } else if (checksumOk(status) && admitted()) {
                    toEngine();
                }
            }
            default -> c.notForUs++;
        }
    }

    /**
     * The guard sees pure SYNs only (SYN without ACK, RST or FIN): a final ACK is never limited, or a client whose
     * SYN got through could not complete its handshake. The guard counts what it drops.
     */
    private boolean admitted() {
        if (frame.kind != ParsedFrame.KIND_TCP
                || (frame.flags & (TcpFlags.SYN | TcpFlags.ACK | TcpFlags.RST | TcpFlags.FIN)) != TcpFlags.SYN) {
            return true;
        }
        if (guard != null) {
            int verdict = guard.onSyn(frame.srcHi, frame.srcLo, nowNs);
            if (verdict != SynGuard.PASS) return verdict == SynGuard.ALLOW_LISTED; // allow-listed: never shed
        }
        // the later of the two rings' last timestamps is the frame's: they are handed on in arrival order
        // (0: not from a ring, tests)
        long queuedAt = small == null ? socket.lastFrameRealtimeNs()
                : Math.max(small.lastFrameRealtimeNs(), socket.lastFrameRealtimeNs());
        return queuedAt == 0
                || !shedder.shed(frame.srcHi, frame.srcLo, System.nanoTime() + realtimeOffsetNs - queuedAt, nowNs);
    }

    private void toEngine() {
        counters.framesToEngine++;
        // a bare ACK may be a final ACK: when it completes a handshake its source is proven (SynShedder)
        boolean maybeFinal = frame.kind == ParsedFrame.KIND_TCP
                && (frame.flags & (TcpFlags.SYN | TcpFlags.ACK | TcpFlags.RST)) == TcpFlags.ACK;
        long done = maybeFinal ? engine.handshakesCompleted() : 0;
        try {
            engine.onFrame(frame, nowNs, wallSeconds);
        } catch (RuntimeException e) {
            // bad input never throws; an engine bug must not stop the shard either: count it
            counters.engineErrors++;
        }
        if (maybeFinal && engine.handshakesCompleted() != done) {
            shedder.proven(frame.srcHi, frame.srcLo, nowNs);
        }
    }

    /**
     * tp_status decides whether the L4 checksum needs checking: CSUMNOTREADY means a local sender left it
     * partial (veth, TSO: it is filled in on the way out, so it is good); CSUM_VALID means the device or the
     * kernel verified it; with neither we verify it ourselves. The IPv4 header checksum is never covered by
     * those bits, and is checked always (20 bytes).
     */
    private boolean checksumOk(int status) {
        if (frame.ipVersion == 4 && !Checksum.verifyIpv4Header(frame)) {
            counters.badIpHeaderChecksum++;
            return false;
        }
        if ((status & PacketSocket.TP_STATUS_CSUMNOTREADY) != 0) {
            counters.checksumTrustedPartial++;
            return true;
        }
        if ((status & PacketSocket.TP_STATUS_CSUM_VALID) != 0) {
            counters.checksumTrustedValid++;
            return true;
        }
        if (Checksum.verifyL4(frame)) {
            counters.checksumVerified++;
            return true;
        }
        counters.badChecksum++;
        return false;
    }

    /** RFC 826: a request for a VIP gets a reply from our MAC (owned-VIP mode only). */
    private void onArp() {
        if (frame.arpOp != 1 || !options.answerNeighbours() || frame.srcMac == mac) {
            counters.notForUs++;
            return;
        }
        if (!isVip4(frame.arpTargetIp)) {
            counters.notForUs++;
            return;
        }
        counters.arpRequests++;
        long off = socket.claim(64);
        if (off < 0) {
            counters.txClaimFailed++;
            return;
        }
        int len = ArpWriter.reply(frame, mac, socket.buffer(), off, 64);
        if (len > 0) {
            socket.commit(off, len);
            counters.arpReplies++;
        }
    }

    /** RFC 4861 §7.2.3-7.2.4: a solicitation for a VIP gets a solicited advertisement. */
    private void onSolicitation() {
        if (!options.answerNeighbours() || !isVip(frame.ndTargetHi, frame.ndTargetLo) || frame.srcMac == mac) {
            counters.notForUs++;
            return;
        }
        counters.ndSolicitations++;
        long off = socket.claim(128);
        if (off < 0) {
            counters.txClaimFailed++;
            return;
        }
        int len = NdWriter.advertisement(frame, mac, socket.buffer(), off, 128);
        if (len > 0) {
            socket.commit(off, len);
            counters.ndAdvertisements++;
        }
    }

    /** Solicitations for a VIP6 go to its solicited-node group: let them through the NIC's multicast filter. */
    private void joinSolicitedNodeGroups() {
        long[] v6 = options.vip6();
        for (int i = 0; i < v6.length; i += 2) {
            try {
                socket.joinMulticast(PacketSocket.solicitedNodeMac(v6[i + 1]));
            } catch (IOException e) {
                counters.setupErrors++;
            }
        }
    }

    /** Gratuitous ARP (RFC 5227 §3) and unsolicited NA (RFC 4861 §7.2.6) for every VIP, so neighbours learn us. */
    void announce() {
        for (int ip : options.vip4()) {
            long off = socket.claim(64);
            int len = off < 0 ? -1 : ArpWriter.gratuitous(socket.buffer(), off, 64, mac, ip, -1);
            if (len > 0) {
                socket.commit(off, len);
                counters.announcementsSent++;
            }
        }
        long[] v6 = options.vip6();
        for (int i = 0; i < v6.length; i += 2) {
            long off = socket.claim(128);
            int len = off < 0 ? -1 : NdWriter.unsolicited(socket.buffer(), off, 128, mac, v6[i], v6[i + 1], -1);
            if (len > 0) {
                socket.commit(off, len);
                counters.announcementsSent++;
            }
        }
        flushNow();
    }

    private boolean isVip4(int ip) {
        for (int v : options.vip4()) {
            if (v == ip) {
                return true;
            }
        }
        return false;
    }

    private boolean isVip(long hi, long lo) {
        if (ParsedFrame.isV4Mapped(hi, lo)) {
            return isVip4((int) lo);
        }
        long[] v6 = options.vip6();
        for (int i = 0; i < v6.length; i += 2) {
            if (v6[i] == hi && v6[i + 1] == lo) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- flush and timers

    /** The batch got its first frame: flush once, after the loop's I/O of this iteration. */
    private void scheduleFlush() {
        if (!flushScheduled && !closed) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        if (socket.pendingFrames() > 0) {
            counters.flushes++;
            socket.flush();
        }
        armTimer(); // relay calls into the engine may have moved its deadline
    }

    void onSocketError(boolean smallRing) {
        counters.socketErrors++;
        try {
            counters.lastSocketErrno = smallRing ? small.takeError() : socket.takeError();
        } catch (IOException e) {
            counters.setupErrors++;
        }
    }

    /**
     * Called by code about to drive the engine on this loop outside a ring wake-up (the relay, before
     * {@code write}/{@code read}/{@code close}): the engine's clock is the one of its last {@code onFrame} or
     * {@code onTimer}, so this passes it the current time (through {@code onTimer}, which also fires what is
     * due) and segments sent by the call carry fresh timestamps and timer deadlines.
     */
    public void beforeEngineCall() {
        if (engine != null && !closed) {
            try {
                engine.onTimer(System.nanoTime(), System.currentTimeMillis() / 1000);
            } catch (RuntimeException e) {
                counters.engineErrors++;
            }
        }
    }

    /** Called by code that drove the engine on this loop outside a ring wake-up (the relay): re-arms the timer. */
    public void afterEngineCall() {
        armTimer();
    }

    private void armTimer() {
        if (closed || engine == null) {
            return;
        }
        long deadline = engine.nextDeadlineNs();
        if (deadline == NO_TIMER || (armedDeadlineNs != NO_TIMER && deadline - armedDeadlineNs >= 0)) {
            return; // nothing to do, or a timer at or before it is armed (onTimer re-arms)
        }
        if (timer != null) {
            timer.cancel(false);
        }
        armedDeadlineNs = deadline;
        long delay = Math.max(0, deadline - System.nanoTime());
        timer = loop.schedule(timerTask, delay, TimeUnit.NANOSECONDS);
    }

    private void onTimer() {
        timer = null;
        armedDeadlineNs = NO_TIMER;
        if (closed) {
            return;
        }
        counters.timerRuns++;
        try {
            engine.onTimer(System.nanoTime(), System.currentTimeMillis() / 1000);
        } catch (RuntimeException e) {
            counters.engineErrors++;
        }
        if (socket.pendingFrames() > 0) {
            flushNow();
        } else {
            armTimer();
        }
    }

    /** Unregisters the ring, cancels the timer and closes the socket, on the loop; waits for it. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable r = () -> {
            closed = true;
            try {
                if (timer != null) {
                    timer.cancel(false);
                }
                cancelRegistrations();
                socket.flush();
                closeRings();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        };
        if (loop.inEventLoop()) {
            r.run();
        } else {
            try {
                loop.execute(r);
            } catch (java.util.concurrent.RejectedExecutionException gone) {
                r.run(); // the loop has shut down: nothing else runs on the shard's state any more
            }
        }
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("closing shard on " + socket.device(), e);
        }
    }

    /** A start that failed gives the sockets back. */
    private void closeQuietly() {
        closed = true;
        try {
            closeRings();
        } catch (IOException ignored) {
            // already failing
        }
    }

    private void cancelRegistrations() {
        if (registration != null) {
            registration.cancel();
        }
        if (smallRegistration != null) {
            smallRegistration.cancel();
        }
    }

    private void closeRings() throws IOException {
        try {
            socket.close();
        } finally {
            if (small != null) {
                small.close();
            }
        }
    }

    /** A ring's fd as a Netty epoll handle; events call back into the shard (which reads both rings) on the loop. */
    private static final class RingHandle implements EpollIoHandle {
        private final Shard shard;
        private final FileDescriptor fd;

        RingHandle(Shard shard, int fd) {
            this.shard = shard;
            this.fd = new FileDescriptor(fd);
        }

        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            if (event instanceof EpollIoEvent e && e.ops().contains(EpollIoOps.EPOLLERR)) {
                // e.g. ENETDOWN when the interface goes down: level-triggered epoll would report it again and
                // again until it is read, spinning the loop; reading SO_ERROR clears it
                shard.onSocketError(fd.intValue() != shard.socket.fd());
            }
            shard.onReadable();
        }

        @Override
        public void close() {
            // the shard owns the socket and closes it (Shard.close); Netty calls this when the loop shuts down
            if (!shard.closed) {
                try {
                    shard.closed = true;
                    shard.closeRings();
                } catch (IOException ignored) {
                    // shutting down
                }
            }
        }
    }
}
