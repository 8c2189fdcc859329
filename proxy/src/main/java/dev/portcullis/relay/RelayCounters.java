package dev.portcullis.relay;

/**
 * Plain counters of one shard's relay, written only on the shard's thread and copied from there into the
 * published metrics snapshot (never read from another thread directly).
 */
public final class RelayCounters {
    public long accepted;            // connections taken from the accept queue
    public long bytesToBackend;      // client → backend
    public long bytesToClient;       // backend → client
    public long connectFailures;     // failed connect attempts (each backend tried counts once)
    public long noBackend;           // connections reset because no backend of the pool answered
    public long noRoute;             // connections to a port with no listener (should not happen)
    public long backendResets;       // backend errors/resets after connect → RST to the client
    public long clientResets;        // the engine closed the connection before the relay finished it
    public long refusedShuttingDown; // accepted while stopping → RST
    public long completed;           // both directions closed cleanly

    public void copyInto(RelayCounters o) {
        o.accepted = accepted; o.bytesToBackend = bytesToBackend; o.bytesToClient = bytesToClient;
        o.connectFailures = connectFailures; o.noBackend = noBackend; o.noRoute = noRoute;
        o.backendResets = backendResets; o.clientResets = clientResets;
        o.refusedShuttingDown = refusedShuttingDown; o.completed = completed;
    }
}
