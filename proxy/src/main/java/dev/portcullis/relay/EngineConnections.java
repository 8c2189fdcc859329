package dev.portcullis.relay;

import java.lang.foreign.MemorySegment;

/**
 * What the relay asks of the TCP engine: the application-side calls of {@code dev.portcullis.tcp.TcpEngine}
 * (docs/CONTRACTS.md), one engine per shard, every call on the shard's thread. {@link TcpEngineConnections}
 * adapts the engine; keeping the relay on this narrow view lets it be read without the engine's internals.
 */
public interface EngineConnections {
    /** The next established connection's id, or -1. */
    long accept();

    /** Bytes read into dst (0: none yet; -1: the client's FIN and all before it have been read). */
    int read(long id, MemorySegment dst, long off, int len);

    /** Bytes taken into the connection's send buffer (0 when full; onWritable follows when room frees). */
    int write(long id, MemorySegment src, long off, int len);

    /** FIN to the client after the bytes already queued. */
    void shutdownOutput(long id);

    /** The application is done with the connection (both directions finished). */
    void close(long id);

    /** RST to the client; the connection is gone. */
    void abort(long id);

    /** The client's and the local (VIP) address and port of connection id; false when the id is stale. */
    boolean endpoints(long id, Endpoints out);

    /** A connection's two ends as 128-bit addresses (IPv4 as IPv4-mapped) and ports; reused. */
    final class Endpoints {
        public long clientHi, clientLo, localHi, localLo;
        public int clientPort, localPort;
    }
}
