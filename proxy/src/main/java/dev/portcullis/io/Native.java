package dev.portcullis.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The one class that calls native code: a small wrapper per libc call through {@code java.lang.foreign} (no JNI).
 * Every wrapper turns a negative result into an {@link IOException} naming the call and the errno (with
 * strerror), the way Netty's {@code Native} does. errno is captured with
 * {@link Linker.Option#captureCallState(String...)} into a per-thread segment, so the hot calls (poll, sendmmsg)
 * allocate nothing.
 *
 * <p>{@link #isAvailable()} / {@link #unavailabilityCause()} say why packet I/O cannot run here (not Linux, no
 * native access, no CAP_NET_RAW), so privileged tests skip with a reason.
 */
public final class Native {
    // <sys/socket.h>, <linux/if_ether.h>, <linux/if_packet.h>
    public static final int AF_PACKET = 17;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVBUF = 8;
    public static final int SO_SNDBUF = 7;
    public static final int SO_ATTACH_FILTER = 26;
    public static final int SO_ERROR = 4;
    public static final int ETH_P_ALL = 0x0003;
    public static final int MSG_DONTWAIT = 0x40;
    // <sys/mman.h>
    static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_LOCKED = 0x2000;
    // <poll.h>
    public static final short POLLIN = 1;
    // <sys/ioctl.h> / <linux/sockios.h>
    static final long SIOCGIFMTU = 0x8921, SIOCGIFHWADDR = 0x8927;
    static final int IFNAMSIZ = 16, IFREQ_SIZE = 40;
    // <fcntl.h>, <sched.h>
    static final int O_RDONLY = 0, O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000;
    // errno values that callers act on
    public static final int EAGAIN = 11, ENOBUFS = 105, EINTR = 4, EPERM = 1, EACCES = 13;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static final String CAUSE;
    private static final MethodHandle SOCKET, SETSOCKOPT, GETSOCKOPT, BIND, MMAP, MUNMAP, CLOSE, POLL, SENDTO,
            SENDMMSG, IF_NAMETOINDEX, IOCTL, STRERROR, OPEN, SETNS, RECV, SCHED_SETAFFINITY;

    static {
        String cause = null;
        MethodHandle socket = null, setsockopt = null, getsockopt = null, bind = null, mmap = null, munmap = null,
                close = null, poll = null, sendto = null, sendmmsg = null, ifNameToIndex = null, ioctl = null,
                strerror = null, open = null, setns = null, recv = null, schedSetaffinity = null;
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            cause = "not Linux (os.name=" + System.getProperty("os.name") + "): AF_PACKET needs Linux";
        } else if (!Native.class.getModule().isNativeAccessEnabled()) {
            cause = "native access is not enabled: run the JVM with --enable-native-access=ALL-UNNAMED";
        } else {
            try {
                socket = errnoCall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
                setsockopt = errnoCall("setsockopt",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
                getsockopt = errnoCall("getsockopt",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
                bind = errnoCall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
                mmap = errnoCall("mmap",
                        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
                munmap = errnoCall("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
                close = errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
                poll = errnoCall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
                sendto = errnoCall("sendto",
                        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
                sendmmsg = errnoCall("sendmmsg",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
                ifNameToIndex = errnoCall("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
                // ioctl is variadic: the third argument is the first variadic one
                ioctl = LINKER.downcallHandle(LIBC.find("ioctl").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
                        Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
                strerror = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
                        FunctionDescriptor.of(ADDRESS, JAVA_INT));
                open = LINKER.downcallHandle(LIBC.find("open").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
                        Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
                setns = errnoCall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
                recv = errnoCall("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
                schedSetaffinity = errnoCall("sched_setaffinity",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
            } catch (Throwable t) {
                cause = "cannot link libc: " + t;
            }
        }
        SOCKET = socket; SETSOCKOPT = setsockopt; GETSOCKOPT = getsockopt; BIND = bind; MMAP = mmap;
        MUNMAP = munmap; CLOSE = close; POLL = poll; SENDTO = sendto; SENDMMSG = sendmmsg;
        IF_NAMETOINDEX = ifNameToIndex; IOCTL = ioctl; STRERROR = strerror; OPEN = open; SETNS = setns;
        RECV = recv; SCHED_SETAFFINITY = schedSetaffinity;
        if (cause == null) {
            cause = probePacketSocket();
        }
        CAUSE = cause;
    }

    private Native() {
    }

    private static MethodHandle errnoCall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new IllegalStateException("no " + name)),
                fd, Linker.Option.captureCallState("errno"));
    }

    /** Opens and closes a protocol-0 packet socket (it receives nothing) to learn whether CAP_NET_RAW is held. */
    private static String probePacketSocket() {
        try {
            int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
            close(fd);
            return null;
        } catch (IOException e) {
            return "cannot open an AF_PACKET socket (needs root or CAP_NET_RAW): " + e.getMessage();
        }
    }

    /** True when AF_PACKET sockets can be opened here (Linux, native access, CAP_NET_RAW). */
    public static boolean isAvailable() {
        return CAUSE == null;
    }

    /** Why {@link #isAvailable()} is false, or null. */
    public static String unavailabilityCause() {
        return CAUSE;
    }

    /** Throws with the reason when packet I/O cannot run here. */
    public static void ensureAvailable() throws IOException {
        if (CAUSE != null) {
            throw new IOException(CAUSE);
        }
    }

    private static MemorySegment capture() {
        return CAPTURE.get();
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** The errno of this thread's last failed call through this class. */
    public static int lastErrno() {
        return errno(capture());
    }

    /**
     * The result of a non-blocking I/O call: itself when it succeeded; -1 when it failed for a passing reason
     * (EAGAIN, EINTR, and ENOBUFS when {@code bufferFull} counts as passing: the caller counts it and may retry or
     * drop); otherwise an IOException naming the call.
     */
    private static long transientOrThrow(long r, MemorySegment capture, String call, boolean bufferFull)
            throws IOException {
        if (r >= 0) {
            return r;
        }
        int e = errno(capture);
        if (e == EAGAIN || e == EINTR || (bufferFull && e == ENOBUFS)) {
            return -1;
        }
        throw error(call, e);
    }

    static IOException error(String call, int errno) {
        return new NativeIOException(call + " failed: " + strerror(errno) + " (errno " + errno + ")", errno);
    }

    /** strerror(3), or "errno N" when it cannot be read. */
    public static String strerror(int errno) {
        if (STRERROR == null) {
            return "errno " + errno;
        }
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static IOException unavailable(Throwable t) {
        return new IOException("native call failed: " + t, t);
    }

    /** An IOException that carries the errno, so callers can tell EAGAIN from a real failure. */
    public static final class NativeIOException extends IOException {
        private final int errno;

        NativeIOException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    private static void checkLinked(MethodHandle h) throws IOException {
        if (h == null) {
            throw new IOException(CAUSE == null ? "native calls unavailable" : CAUSE);
        }
    }

    public static int socket(int domain, int type, int protocol) throws IOException {
        checkLinked(SOCKET);
        MemorySegment c = capture();
        int r;
        try {
            r = (int) SOCKET.invokeExact(c, domain, type, protocol);
        } catch (Throwable t) {
            throw unavailable(t);
        }
        if (r < 0) {
            throw error("socket(" + domain + ", " + type + ", " + protocol + ")", errno(c));
        }
        return r;
    }

    public static void setsockopt(int fd, int level, int name, MemorySegment value, String what) throws IOException {
        checkLinked(SETSOCKOPT);
        MemorySegment c = capture();
        int r;
        try {
            r = (int) SETSOCKOPT.invokeExact(c, fd, level, name, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw unavailable(t);
        }
        if (r < 0) {
            throw error("setsockopt(" + what + ")", errno(c));
        }
    }

    public static void setsockoptInt(int fd, int level, int name, int value, String what) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            setsockopt(fd, level, name, v, what);
        }
    }

    /** getsockopt(2) into {@code value}; returns the length the kernel wrote. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment lenCell, String what)
            throws IOException {
        checkLinked(GETSOCKOPT);
        lenCell.set(JAVA_INT, 0, (int) value.byteSize());
        MemorySegment c = capture();
        int r;
        try {
            r = (int) GETSOCKOPT.invokeExact(c, fd, level, name, value, lenCell);
        } catch (Throwable t) {
            throw unavailable(t);
        }
        if (r < 0) {
            throw error("getsockopt(" + what + ")", errno(c));
        }
        return lenCell.get(JAVA_INT, 0);
    }

    public static void bind(int fd, MemorySegment addr, String what) throws IOException {
        checkLinked(BIND);
        MemorySegment c = capture();
        int r;
        try {
            r = (int) BIND.invokeExact(c, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw unavailable(t);
        }
        if (r < 0) {
            throw error("bind(" + what + ")", errno(c));
        }
    }

    /** mmap(2) of {@code length} bytes of {@code fd}, shared, read-write; the segment has the mapped length. */
    public static MemorySegment mmap(int fd, long length, boolean locked) throws IOException {
        checkLinked(MMAP);
        MemorySegment c = capture();
        MemorySegment r;
        try {
            r = (MemorySegment) MMAP.invokeExact(c, MemorySegment.NULL, length, PROT_READ | PROT_WRITE,
                    MAP_SHARED | (locked ? MAP_LOCKED : 0), fd, 0L);
        } catch (Throwable t) {
            throw unavailable(t);
        }
        if (r.address() == -1L) { // MAP_FAILED
            throw error("mmap(" + length + " bytes)", errno(c));
        }
        return r.reinterpret(length);
    }

    public static void munmap(MemorySegment mapping) throws IOException {
        checkLinked(MUNMAP);
        MemorySegment c = capture();
        int r;
        try {
            r = (int) MUNMAP.invokeExact(c, mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw unavailable(t);
        }
        if (r < 0) {
            throw error("munmap", errno(c));
        }
    }

    public static void close(int fd) throws IOException {
        checkLinked(CLOSE);
        MemorySegment c = capture();
        int r;
        try {
            r = (int) CLOSE.invokeExact(c, fd);
        } catch (Throwable t) {
            throw unavailable(t);
        }
        if (r < 0) {
            throw error("close(" + fd + ")", errno(c));
        }
    }

    /** poll(2) over {@code nfds} pollfd structs (8 bytes each); returns the number ready, 0 on timeout or EINTR. */
    public static int poll(MemorySegment pollfds, long nfds, int timeoutMs) throws IOException {
        checkLinked(POLL);
        MemorySegment c = capture();
        int r;
        try {
            r = (int) POLL.invokeExact(c, pollfds, nfds, timeoutMs);
        } catch (Throwable t) {
            throw unavailable(t);
        }
        if (r < 0) {
            int e = errno(c);
            if (e == EINTR) {
                return 0;
            }
            throw error("poll", e);
        }
        return r;
    }

    /** sendto(2); returns the bytes sent, or -1 for EAGAIN/ENOBUFS with MSG_DONTWAIT (the caller counts it). */
    public static long sendto(int fd, MemorySegment buf, long len, int flags, MemorySegment addr) throws IOException {
        checkLinked(SENDTO);
        MemorySegment c = capture();
        long r;
        try {
            r = (long) SENDTO.invokeExact(c, fd, buf, len, flags, addr,
                    addr.equals(MemorySegment.NULL) ? 0 : (int) addr.byteSize());
        } catch (Throwable t) {
            throw unavailable(t);
        }
        return transientOrThrow(r, c, "sendto", true);
    }

    /**
     * sendmmsg(2); returns the number of messages sent, or -1 for EAGAIN/ENOBUFS/EINTR (nothing sent; the caller
     * counts it and may retry or drop).
     */
    public static int sendmmsg(int fd, MemorySegment msgvec, int vlen, int flags) throws IOException {
        checkLinked(SENDMMSG);
        MemorySegment c = capture();
        int r;
        try {
            r = (int) SENDMMSG.invokeExact(c, fd, msgvec, vlen, flags);
        } catch (Throwable t) {
            throw unavailable(t);
        }
        return (int) transientOrThrow(r, c, "sendmmsg", true);
    }

    /**
     * recv(2) of one frame from a packet socket (the loadtest's impairment bridge); returns the bytes received, or
     * -1 for EAGAIN/EINTR with MSG_DONTWAIT (nothing there yet).
     */
    public static long recv(int fd, MemorySegment buf, long len, int flags) throws IOException {
        checkLinked(RECV);
        MemorySegment c = capture();
        long r;
        try {
            r = (long) RECV.invokeExact(c, fd, buf, len, flags);
        } catch (Throwable t) {
            throw unavailable(t);
        }
        return transientOrThrow(r, c, "recv", false);
    }

    /** Pins the calling thread to one CPU with sched_setaffinity(2) (the loadtest's flood sender, like trafgen's). */
    public static void pinCurrentThread(int cpu) throws IOException {
        checkLinked(SCHED_SETAFFINITY);
        if (cpu < 0 || cpu >= 1024) {
            throw new IOException("cpu " + cpu + " out of range 0..1023");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(128, 8); // cpu_set_t: 1024 bits
            mask.set(JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            MemorySegment c = capture();
            int r;
            try {
                r = (int) SCHED_SETAFFINITY.invokeExact(c, 0, 128L, mask);
            } catch (Throwable t) {
                throw unavailable(t);
            }
            if (r < 0) {
                throw error("sched_setaffinity(cpu " + cpu + ")", errno(c));
            }
        }
    }

    /** if_nametoindex(3) in the calling thread's network namespace. */
    public static int ifNameToIndex(String name) throws IOException {
        checkLinked(IF_NAMETOINDEX);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = capture();
            int r;
            try {
                r = (int) IF_NAMETOINDEX.invokeExact(c, a.allocateFrom(name));
            } catch (Throwable t) {
                throw unavailable(t);
            }
            if (r == 0) {
                throw error("if_nametoindex(" + name + ")", errno(c));
            }
            return r;
        }
    }

    private static MemorySegment ifreq(Arena a, String dev) throws IOException {
        byte[] name = dev.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (name.length >= IFNAMSIZ) {
            throw new IOException("interface name too long: " + dev);
        }
        MemorySegment req = a.allocate(IFREQ_SIZE);
        MemorySegment.copy(name, 0, req, ValueLayout.JAVA_BYTE, 0, name.length);
        return req;
    }

    private static void ioctl(int fd, long request, MemorySegment arg, String what) throws IOException {
        checkLinked(IOCTL);
        MemorySegment c = capture();
        int r;
        try {
            r = (int) IOCTL.invokeExact(c, fd, request, arg);
        } catch (Throwable t) {
            throw unavailable(t);
        }
        if (r < 0) {
            throw error("ioctl(" + what + ")", errno(c));
        }
    }

    /**
     * The interface's MAC (48 bits in the low bits of a long) via ioctl SIOCGIFHWADDR on {@code fd}. The socket's
     * network namespace is used, not /sys's (which shows the namespace that mounted it).
     */
    public static long interfaceMac(int fd, String dev) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment req = ifreq(a, dev);
            ioctl(fd, SIOCGIFHWADDR, req, "SIOCGIFHWADDR " + dev);
            long mac = 0;
            for (int i = 0; i < 6; i++) { // struct sockaddr at 16: sa_family (2), sa_data from 18
                mac = (mac << 8) | (req.get(ValueLayout.JAVA_BYTE, 18 + i) & 0xff);
            }
            return mac;
        }
    }

    /** The interface's MTU via ioctl SIOCGIFMTU on {@code fd}. */
    public static int interfaceMtu(int fd, String dev) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment req = ifreq(a, dev);
            ioctl(fd, SIOCGIFMTU, req, "SIOCGIFMTU " + dev);
            return req.get(JAVA_INT, 16);
        }
    }

    /**
     * Moves the calling thread into the network namespace at {@code nsPath} (e.g. /var/run/netns/NAME) with
     * setns(2). Sockets opened afterwards belong to that namespace for their whole life, whichever thread uses
     * them later; the JVM's other threads are not affected.
     */
    public static void enterNetworkNamespace(String nsPath) throws IOException {
        checkLinked(OPEN);
        int fd;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = capture();
            try {
                fd = (int) OPEN.invokeExact(c, a.allocateFrom(nsPath), O_RDONLY | O_CLOEXEC);
            } catch (Throwable t) {
                throw unavailable(t);
            }
            if (fd < 0) {
                throw error("open(" + nsPath + ")", errno(c));
            }
        }
        try {
            MemorySegment c = capture();
            int r;
            try {
                r = (int) SETNS.invokeExact(c, fd, CLONE_NEWNET);
            } catch (Throwable t) {
                throw unavailable(t);
            }
            if (r < 0) {
                throw error("setns(" + nsPath + ")", errno(c));
            }
        } finally {
            close(fd);
        }
    }
}
