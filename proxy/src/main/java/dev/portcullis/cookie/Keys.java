package dev.portcullis.cookie;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Key derivation, done once at construction, outside the hot path. */
final class Keys {
    private Keys() {
    }

    /** A 128-bit SipHash key: the first 16 bytes of HMAC-SHA256(secret, label) (RFC 2104), as two longs. */
    static long[] derive(byte[] secret, String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            ByteBuffer b = ByteBuffer.wrap(mac.doFinal(label.getBytes(StandardCharsets.US_ASCII)))
                .order(ByteOrder.LITTLE_ENDIAN);
            return new long[] {b.getLong(0), b.getLong(8)};
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
