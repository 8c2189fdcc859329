package dev.portcullis.config;

import java.util.Base64;
import java.util.HexFormat;

/** The cookie master secret from its text form. Error lines never echo the secret, only its length. */
final class Secrets {
    static final int MIN = 16, MAX = 64;

    private Secrets() {}

    static byte[] decode(Reader r, String path, String text) {
        String expected = MIN + ".." + MAX + " bytes written as hex (\"hex:...\") or base64 (\"base64:...\")";
        byte[] b;
        try {
            if (text.startsWith("hex:")) {
                b = HexFormat.of().parseHex(text.substring(4));
            } else if (text.startsWith("base64:")) {
                b = Base64.getDecoder().decode(text.substring(7));
            } else if (!text.isEmpty() && text.length() % 2 == 0 && text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                b = HexFormat.of().parseHex(text);
            } else {
                b = Base64.getDecoder().decode(text);
            }
        } catch (IllegalArgumentException e) {
            throw Reader.error(r.key(path), "(secret, " + text.length() + " characters, not shown)", expected + "; it does not decode", null);
        }
        if (b.length < MIN || b.length > MAX) {
            throw Reader.error(r.key(path), "(secret, not shown)", expected + "; it decodes to " + b.length + " bytes", null);
        }
        return b;
    }
}
