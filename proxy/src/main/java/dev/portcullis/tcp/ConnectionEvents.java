package dev.portcullis.tcp;

/**
 * What the engine tells the relay, synchronously on the shard's thread while it processes a frame, a timer or a
 * relay call. Implementations must not call back into the engine re-entrantly except through the documented
 * methods ({@code accept}, {@code read}, {@code write}, {@code shutdownOutput}, {@code close}, {@code abort},
 * {@code info}); deferring the work to after the engine call returns is the safe habit.
 *
 * <p>Life of an id: it appears through {@link TcpEngine#accept()}; {@link #onClosed} is called exactly once, when
 * the engine forgets it, after which every call with the id returns -1 or does nothing. A connection whose TCP
 * exchange ended normally (both FINs) stays readable until the application calls {@link TcpEngine#close}.
 */
public interface ConnectionEvents {
    /** A connection entered an accept queue: call {@link TcpEngine#accept()}. */
    void onAcceptable();

    /** In-order bytes (or the end of the stream) are ready for {@link TcpEngine#read}. */
    void onReadable(long id);

    /** Room opened in the send buffer after a {@link TcpEngine#write} took fewer bytes than offered. */
    void onWritable(long id);

    /** The peer sent its FIN: after the remaining bytes {@link TcpEngine#read} returns -1. */
    void onPeerFin(long id);

    /** The engine forgot the connection; {@code reason} is a {@link CloseReason} constant. */
    void onClosed(long id, int reason);
}
