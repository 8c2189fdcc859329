package dev.portcullis.loadtest.flood;

/**
 * The TCP option sets of common clients' SYNs, byte for byte as each stack sends them (seen in captures of
 * Linux 6.x, Windows 10/11 and macOS 14), so that a flood exercises the option parsing a real SYN needs:
 * <pre>
 *   linux   MSS 1460, SACK_PERM, TS, NOP, WS 7                    (20 bytes) window 64240 TTL 64
 *   windows MSS 1460, NOP, WS 8, NOP, NOP, SACK_PERM              (12 bytes) window 64240 TTL 128
 *   macos   MSS 1460, NOP, WS 6, NOP, NOP, TS, SACK_PERM, EOL, EOL (24 bytes) window 65535 TTL 64
 *   bare    no options                                            ( 0 bytes) window 64240 TTL 64 (as trafgen's
 *           usual config)
 * </pre>
 */
public enum OsProfile {
    LINUX(new int[] {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7}, 8, 64240, 64),
    WINDOWS(new int[] {2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2}, -1, 64240, 128),
    MACOS(new int[] {2, 4, 0x05, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 4, 2, 0, 0}, 12, 65535, 64),
    BARE(new int[0], -1, 64240, 64);

    private final byte[] options;
    /** Offset of the TSval within the options, or -1: the generator stamps a fresh clock value per frame. */
    final int tsValOffset;
    final int window;
    final int ttl;

    OsProfile(int[] opts, int tsValOffset, int window, int ttl) {
        this.options = new byte[opts.length];
        for (int i = 0; i < opts.length; i++) options[i] = (byte) opts[i];
        this.tsValOffset = tsValOffset;
        this.window = window;
        this.ttl = ttl;
    }

    byte[] options() {
        return options.clone();
    }

    int optionsLength() {
        return options.length;
    }

    static OsProfile parse(String s) {
        return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
    }
}
