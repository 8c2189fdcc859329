package dev.portcullis.tcp;

/** Connection states of RFC 9293 §3.3.2, as ints. */
public final class TcpState {
    public static final int CLOSED = 0, LISTEN = 1, SYN_SENT = 2, SYN_RECEIVED = 3, ESTABLISHED = 4,
            FIN_WAIT_1 = 5, FIN_WAIT_2 = 6, CLOSE_WAIT = 7, CLOSING = 8, LAST_ACK = 9, TIME_WAIT = 10;
    public static final int COUNT = 11;
    private static final String[] NAMES = {"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED",
            "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"};

    private TcpState() {}

    public static String name(int state) {
        return state >= 0 && state < COUNT ? NAMES[state] : "UNKNOWN(" + state + ")";
    }

    /** States in which we may still send data (RFC 9293 §3.10.2). */
    static boolean canSend(int s) { return s == ESTABLISHED || s == CLOSE_WAIT; }

    /** States in which the peer may still send data. */
    static boolean canReceive(int s) { return s == ESTABLISHED || s == FIN_WAIT_1 || s == FIN_WAIT_2; }
}
