package dev.portcullis.cookie;

import java.security.SecureRandom;

/**
 * Initial sequence numbers for the stateful SYN queue, as RFC 6528 §3 specifies:
 * {@code ISN = M + F(localip, localport, remoteip, remoteport, secretkey)}, with M a timer that ticks every 4
 * microseconds (RFC 9293 §3.4.1) and F a keyed SipHash-2-4 of the 4-tuple. The clock is passed in.
 */
public final class IsnGenerator {
    private static final long TICK_NS = 4_000;
    private final long k0, k1;

    /** With a random key, for one process. */
    public IsnGenerator() {
        SecureRandom r = new SecureRandom();
        k0 = r.nextLong();
        k1 = r.nextLong();
    }

    /** With a key derived from a secret of 16..64 bytes (e.g. the cookie master secret). */
    public IsnGenerator(byte[] secret) {
        if (secret.length < 16 || secret.length > 64) {
            throw new IllegalArgumentException("ISN secret must be 16..64 bytes, got " + secret.length);
        }
        long[] k = Keys.derive(secret, "portcullis isn v1");
        k0 = k[0];
        k1 = k[1];
    }

    /** The ISN for a connection from {@code local} to {@code remote} at monotonic time {@code nowNs}. */
    public int isn(long localHi, long localLo, int localPort, long remoteHi, long remoteLo, int remotePort, long nowNs) {
        long ports = ((long) (localPort & 0xffff) << 16) | (remotePort & 0xffff);
        long f = SipHash.hash(k0, k1, localHi, localLo, remoteHi, remoteLo, ports, 0);
        return (int) (nowNs / TICK_NS) + (int) f;
    }
}
