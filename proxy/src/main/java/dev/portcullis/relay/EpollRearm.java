package dev.portcullis.relay;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.socket.DuplexChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Works around a Netty 4.2.18 epoll bug that cut the client → backend stream after the backend's FIN.
 *
 * <p>When a channel's interest set becomes empty, Netty's {@code EpollIoHandler} registration takes the socket out
 * of epoll ({@code EPOLL_CTL_DEL}, added by netty/netty#16689) but stays in its {@code Added} state, so the next
 * interest it submits goes out as {@code EPOLL_CTL_MOD} and fails with ENOENT. With ALLOW_HALF_CLOSURE the set
 * empties after the backend's FIN: input shut (EPOLLIN and EPOLLRDHUP cleared) and nothing waiting to be written.
 * The first relayed write that then does not fit the socket's send buffer asks for EPOLLOUT, the MOD fails inside
 * {@code doWrite}, Netty shuts the output down ({@code ChannelOutputShutdownException}, our FIN to the backend in
 * the middle of the client's bytes) and the relay resets the client. Seen end to end and in
 * {@code RelayHalfCloseTest}; strace: {@code shutdown(SHUT_RD)}, {@code EPOLL_CTL_DEL},
 * {@code EPOLL_CTL_MOD {EPOLLOUT} = -1 ENOENT}, {@code shutdown(SHUT_WR)}.
 *
 * <p>The repair: before every flush or read of a backend channel (the only ways an interest is added again; a
 * flush from an EPOLLOUT event needs the socket in epoll, so it cannot follow a DEL), if the channel's interest set
 * is empty while its registration still says {@code Added}, the socket is not in epoll: the registration is put
 * back to {@code Pending}, so Netty's next submit is an {@code EPOLL_CTL_ADD} (and an empty set again a no-op).
 * That is the state machine Netty meant. It reaches private fields (the version is pinned, see MACHINE-FACTS):
 * if they are not found (another Netty), the repair is off and says so once.
 */
final class EpollRearm {
    private static final Logger log = LoggerFactory.getLogger(EpollRearm.class);
    private static final VarHandle OPS, REGISTRATION, WRAPPED, STATE;
    private static final Class<?> REGISTRATION_CLASS, WRAPPER_CLASS;
    private static final Object ADDED, PENDING;
    private static boolean off; // set once if the repair ever throws (event-loop threads only; a racy read is harmless)

    static {
        VarHandle ops = null, registration = null, wrapped = null, state = null;
        Class<?> registrationClass = null, wrapperClass = null;
        Object added = null, pending = null;
        try {
            MethodHandles.Lookup me = MethodHandles.lookup();
            Class<?> channel = Class.forName("io.netty.channel.epoll.AbstractEpollChannel");
            ops = MethodHandles.privateLookupIn(channel, me).findVarHandle(channel, "ops", EpollIoOps.class);
            registration = MethodHandles.privateLookupIn(channel, me).findVarHandle(channel, "registration", io.netty.channel.IoRegistration.class);
            // the event loop hands the channel its handler's registration wrapped (it counts registrations)
            wrapperClass = Class.forName("io.netty.channel.SingleThreadIoEventLoop$IoRegistrationWrapper");
            wrapped = MethodHandles.privateLookupIn(wrapperClass, me).findVarHandle(wrapperClass, "registration", io.netty.channel.IoRegistration.class);
            registrationClass = Class.forName("io.netty.channel.epoll.EpollIoHandler$DefaultEpollIoRegistration");
            Class<?> states = Class.forName("io.netty.channel.epoll.EpollIoHandler$RegistrationState");
            state = MethodHandles.privateLookupIn(registrationClass, me).findVarHandle(registrationClass, "state", states);
            for (Object s : states.getEnumConstants()) {
                if (((Enum<?>) s).name().equals("Added")) added = s;
                if (((Enum<?>) s).name().equals("Pending")) pending = s;
            }
            if (added == null || pending == null) throw new NoSuchFieldException("RegistrationState.Added/Pending");
        } catch (ReflectiveOperationException | RuntimeException e) {
            ops = null;
            log.warn("cannot reach Netty's epoll registration state ({}): the half-close EPOLL_CTL_MOD repair is off", e.toString());
        }
        OPS = ops;
        REGISTRATION = registration;
        WRAPPED = wrapped;
        WRAPPER_CLASS = wrapperClass;
        STATE = state;
        REGISTRATION_CLASS = registrationClass;
        ADDED = added;
        PENDING = pending;
    }

    private EpollRearm() {
    }

    /** True when the repair is active (Netty's internals were found). */
    static boolean available() {
        return OPS != null;
    }

    /**
     * Call on the channel's event loop before anything that may add an epoll interest (flush, read). Cheap unless
     * the input is shut down, the only state in which the interest set can have emptied.
     */
    static void beforeInterest(Channel ch) {
        if (OPS == null || off || !(ch instanceof DuplexChannel d) || !d.isInputShutdown() || !d.isRegistered()) return;
        try {
            EpollIoOps ops = (EpollIoOps) OPS.get(ch);
            if (ops.value() != 0) return; // some interest left: the socket is in epoll and MOD is right
            Object reg = REGISTRATION.get(ch);
            if (WRAPPER_CLASS.isInstance(reg)) reg = WRAPPED.get(reg);
            if (!REGISTRATION_CLASS.isInstance(reg)) return;
            synchronized (reg) { // DefaultEpollIoRegistration.submit and cancel change the state under this lock
                if (STATE.get(reg) == ADDED) STATE.set(reg, PENDING);
            }
        } catch (RuntimeException e) { // not the shape we know: never let the repair break the relay
            off = true;
            log.warn("the half-close EPOLL_CTL_MOD repair failed and is off: {}", e.toString());
        }
    }
}
