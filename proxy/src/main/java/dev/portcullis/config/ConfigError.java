package dev.portcullis.config;

/**
 * A setting that cannot be used, in one line: the key, the value found, and what is expected, e.g.
 * {@code portcullis.admin.port = 70000: expected a port 0..65535 (portcullis.conf: 12)}. Main prints the message
 * alone and exits with code 2.
 */
public final class ConfigError extends RuntimeException {
    private final String key;

    public ConfigError(String key, String message) {
        super(message.replace('\n', ' '), null, false, false);
        this.key = key;
    }

    /** The full path of the offending key ({@code portcullis.tcp.msl}), or the file for unreadable files. */
    public String key() {
        return key;
    }
}
