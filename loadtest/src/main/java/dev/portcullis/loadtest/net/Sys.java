package dev.portcullis.loadtest.net;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few Linux calls the load tools need for AF_PACKET (socket, setsockopt, bind, mmap, sendto, recv, poll),
 * through the FFM API. Interim: the proxy's {@code dev.portcullis.io.Native} owns the syscalls once it is on this
 * branch, and this class is then to be replaced by it. Each wrapper turns a negative result into an
 * {@link IOException} naming the call and errno.
 */
public final class Sys {
    public static final int AF_PACKET = 17;
    public static final int SOCK_RAW = 3;
    public static final int ETH_P_ALL_BE = 0x0300; // htons(ETH_P_ALL)
    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SOL_PACKET = 263;
    public static final int PACKET_VERSION = 10;
    public static final int PACKET_TX_RING = 13;
    public static final int PACKET_LOSS = 14;
    public static final int PACKET_QDISC_BYPASS = 20;
    public static final int PACKET_IGNORE_OUTGOING = 23;
    public static final int TPACKET_V2 = 1;
    public static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int POLLIN = 1;
    public static final int EAGAIN = 11, EINTR = 4, ENOBUFS = 105;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = fn("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MMAP = fn("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = fn("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle SENDTO = fn("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = fn("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle POLL = fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SCHED_SETAFFINITY = fn("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle IF_NAMETOINDEX = fn("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    /** One capture buffer per thread: the calls here are made from a few long-lived threads. */
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private Sys() {
    }

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name));
        return LINKER.downcallHandle(sym, d, CAPTURE);
    }

    /** True when this is Linux with the calls above (the load tools need root for AF_PACKET besides). */
    public static boolean isAvailable() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
    }

    static int errno(MemorySegment st) {
        return (int) ERRNO.get(st, 0L);
    }

    private static IOException fail(String call, int errno) {
        return new IOException(call + " failed: errno " + errno);
    }

    public static int socket(int domain, int type, int protocol) throws IOException {
        MemorySegment st = STATE.get();
        try {
            int r = (int) SOCKET.invokeExact(st, domain, type, protocol);
            if (r < 0) throw fail("socket", errno(st));
            return r;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("socket", t);
        }
    }

    public static void setsockoptInt(int fd, int level, int name, int value) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            setsockopt(fd, level, name, v);
        }
    }

    public static void setsockopt(int fd, int level, int name, MemorySegment value) throws IOException {
        MemorySegment st = STATE.get();
        try {
            int r = (int) SETSOCKOPT.invokeExact(st, fd, level, name, value, (int) value.byteSize());
            if (r < 0) throw fail("setsockopt(" + level + "," + name + ")", errno(st));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("setsockopt", t);
        }
    }

    /** Binds a packet socket to an interface; protocol is big-endian (0: receive nothing, send only). */
    public static void bindPacket(int fd, int ifindex, int protocolBe) throws IOException {
        MemorySegment st = STATE.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sll = a.allocate(20, 4); // sockaddr_ll
            sll.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
            sll.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 2, (short) protocolBe);
            sll.set(JAVA_INT, 4, ifindex);
            int r = (int) BIND.invokeExact(st, fd, sll, 20);
            if (r < 0) throw fail("bind", errno(st));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("bind", t);
        }
    }

    public static MemorySegment mmap(int fd, long length) throws IOException {
        MemorySegment st = STATE.get();
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(st, MemorySegment.NULL, length,
                    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
            if (p.address() == -1L) throw fail("mmap", errno(st));
            return p.reinterpret(length);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("mmap", t);
        }
    }

    public static void munmap(MemorySegment map) {
        try {
            int ignored = (int) MUNMAP.invokeExact(STATE.get(), map, map.byteSize());
        } catch (Throwable t) {
            // closing path: nothing useful to do
        }
    }

    /** sendto(fd, NULL, 0, flags): kicks a TX ring. Returns bytes sent or -errno. */
    public static long kick(int fd, int flags) {
        MemorySegment st = STATE.get();
        try {
            long r = (long) SENDTO.invokeExact(st, fd, MemorySegment.NULL, 0L, flags, MemorySegment.NULL, 0);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw new IllegalStateException("sendto", t);
        }
    }

    /** send(fd, buf, len) on a bound packet socket. Returns bytes or -errno. */
    public static long send(int fd, MemorySegment buf, long len, int flags) {
        MemorySegment st = STATE.get();
        try {
            long r = (long) SENDTO.invokeExact(st, fd, buf, len, flags, MemorySegment.NULL, 0);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw new IllegalStateException("sendto", t);
        }
    }

    /** recv(fd, buf, len, flags). Returns bytes or -errno. */
    public static long recv(int fd, MemorySegment buf, long len, int flags) {
        MemorySegment st = STATE.get();
        try {
            long r = (long) RECV.invokeExact(st, fd, buf, len, flags);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw new IllegalStateException("recv", t);
        }
    }

    /** poll on one descriptor for input; returns &gt; 0 when readable, 0 on timeout, -errno on error. */
    public static int pollIn(int fd, MemorySegment pollfd, int timeoutMs) {
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, (short) POLLIN);
        pollfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 6, (short) 0);
        MemorySegment st = STATE.get();
        try {
            int r = (int) POLL.invokeExact(st, pollfd, 1L, timeoutMs);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw new IllegalStateException("poll", t);
        }
    }

    public static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(STATE.get(), fd);
        } catch (Throwable t) {
            // closing path
        }
    }

    /** Pins the calling thread to one CPU (as trafgen pins each of its senders). */
    public static void pinThisThread(int cpu) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(128, 8); // cpu_set_t: 1024 bits
            mask.set(java.lang.foreign.ValueLayout.JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            MemorySegment st = STATE.get();
            int r = (int) SCHED_SETAFFINITY.invokeExact(st, 0, 128L, mask);
            if (r < 0) throw fail("sched_setaffinity(" + cpu + ")", errno(st));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("sched_setaffinity", t);
        }
    }

    public static int ifIndex(String name) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = STATE.get();
            int r = (int) IF_NAMETOINDEX.invokeExact(st, a.allocateFrom(name));
            if (r == 0) throw new IOException("if_nametoindex(" + name + ") failed: errno " + errno(st));
            return r;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("if_nametoindex", t);
        }
    }
}
