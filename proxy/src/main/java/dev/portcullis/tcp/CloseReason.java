package dev.portcullis.tcp;

/** Why a connection ended, as passed to {@link ConnectionEvents#onClosed}. */
public final class CloseReason {
    /** Both FINs exchanged and acknowledged (or TIME_WAIT entered) and the application closed its side. */
    public static final int NORMAL = 0;
    /** The peer sent an acceptable RST (RFC 9293 §3.10.7.4, RFC 5961 §3.2). */
    public static final int RESET_BY_PEER = 1;
    /** The application called {@link TcpEngine#abort}, or closed with unread data (RFC 9293 §3.10.4). */
    public static final int ABORTED = 2;
    /** Retransmissions exhausted (RFC 9293 §3.8.3 R2). */
    public static final int RETRANSMIT_TIMEOUT = 3;
    /** No segment in either direction for the idle timeout. */
    public static final int IDLE_TIMEOUT = 4;
    /** The peer kept a zero window past the configured time. */
    public static final int ZERO_WINDOW_TIMEOUT = 5;
    /** An orphaned connection (closed by the application) did not finish its close in time (FIN_WAIT_2). */
    public static final int CLOSE_TIMEOUT = 6;
    public static final int COUNT = 7;
    private static final String[] NAMES = {"NORMAL", "RESET_BY_PEER", "ABORTED", "RETRANSMIT_TIMEOUT",
            "IDLE_TIMEOUT", "ZERO_WINDOW_TIMEOUT", "CLOSE_TIMEOUT"};

    private CloseReason() {}

    public static String name(int reason) {
        return reason >= 0 && reason < COUNT ? NAMES[reason] : "UNKNOWN(" + reason + ")";
    }
}
