package dev.portcullis.cookie;

/**
 * Options a SYN cookie cannot hold, kept in the low 6 bits of the TSval of our SYN-ACK, which the client echoes
 * in the TSecr of its final ACK (RFC 7323 §4.3), as Linux's {@code cookie_init_timestamp} does:
 * <pre>
 *   bit  5     4     3 2 1 0
 *       ECN  SACK   window scale (0..14; 15 = none)
 * </pre>
 * The TSval's upper 26 bits are our timestamp clock. When the SYN carried no timestamp option there is nowhere to
 * keep them: the connection then has no window scaling, no SACK and no ECN, exactly as with Linux's cookies. (The
 * stateful SYN queue, when it has room, keeps them instead.)
 */
public final class TsCookie {
    /** Bits of TSval used for options. */
    public static final int BITS = 6;
    public static final int MASK = (1 << BITS) - 1;
    /** The window scale value that means "the client sent none". */
    public static final int WSCALE_NONE = 15;
    private static final int WSCALE_MASK = 0x0f;
    private static final int SACK_BIT = 1 << 4;
    private static final int ECN_BIT = 1 << 5;

    private TsCookie() {
    }

    /**
     * Our TSval for the cookie SYN-ACK: {@code tsValClock} with its low bits replaced by the options. As Linux does,
     * when that would put the value ahead of the clock it steps back one unit of 64 so that TSvals never run ahead
     * of later ones on the connection (RFC 7323 §5.2 wants them monotonic).
     *
     * @param wscale the client's window scale (clamped to 14, RFC 7323 §2.3), or -1 / 15 when it sent none
     */
    public static int encode(int tsValClock, int wscale, boolean sack, boolean ecn) {
        int ws = wscale < 0 || wscale == WSCALE_NONE ? WSCALE_NONE : Math.min(wscale, 14);
        int options = ws | (sack ? SACK_BIT : 0) | (ecn ? ECN_BIT : 0);
        int ts = (tsValClock & ~MASK) | options;
        if (Integer.compareUnsigned(ts, tsValClock) > 0) ts -= 1 << BITS;
        return ts;
    }

    /** The window scale from an echoed TSecr, or -1 when the client sent none. */
    public static int wscale(int tsecr) {
        int ws = tsecr & WSCALE_MASK;
        return ws == WSCALE_NONE ? -1 : ws;
    }

    public static boolean sack(int tsecr) {
        return (tsecr & SACK_BIT) != 0;
    }

    public static boolean ecn(int tsecr) {
        return (tsecr & ECN_BIT) != 0;
    }
}
