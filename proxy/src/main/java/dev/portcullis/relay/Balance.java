package dev.portcullis.relay;

/** How a pool picks the first backend to try for a new connection. */
public enum Balance {
    /** Each connection the next backend in turn. */
    ROUND_ROBIN,
    /** The backend with the fewest open relayed connections (over all shards). */
    LEAST_CONNECTIONS,
    /** A hash of the client's address: the same client reaches the same backend while the pool is unchanged. */
    SOURCE_HASH
}
