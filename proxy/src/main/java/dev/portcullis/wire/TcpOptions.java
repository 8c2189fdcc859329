package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * TCP option decoding (RFC 9293 §3.2) into {@link ParsedFrame}. EOL ends the list, NOP is one byte, every other
 * kind is skipped by its length. A length of 0 or 1, or one that runs past the header, rejects the segment
 * (RFC 9293 §3.1 asks to be prepared for illegal lengths; a loop on length 0 is the classic bug). A known kind
 * with the wrong length is ignored, as Linux's {@code tcp_parse_options} does.
 */
final class TcpOptions {
    static final int MSS_LENGTH = 4;
    static final int WSCALE_LENGTH = 3;
    static final int SACK_PERM_LENGTH = 2;
    static final int TIMESTAMP_LENGTH = 10;
    static final int SACK_BLOCK_LENGTH = 8;

    private TcpOptions() {
    }

    /** Decodes {@code len} option bytes at {@code p}; returns OK or BAD_TCP_OPTION. Option fields were reset. */
    static int parse(MemorySegment f, long p, int len, ParsedFrame out) {
        long end = p + len;
        while (p < end) {
            int kind = Bytes.u8(f, p);
            if (kind == TcpView.OPT_EOL) break;
            if (kind == TcpView.OPT_NOP) {
                p++;
                continue;
            }
            if (end - p < 2) return ParseVerdict.BAD_TCP_OPTION;
            int optLen = Bytes.u8(f, p + 1);
            if (optLen < 2 || optLen > end - p) return ParseVerdict.BAD_TCP_OPTION;
            switch (kind) {
                case TcpView.OPT_MSS -> {
                    if (optLen == MSS_LENGTH) out.mss = Bytes.u16(f, p + 2);
                }
                case TcpView.OPT_WSCALE -> {
                    if (optLen == WSCALE_LENGTH) out.windowScale = Bytes.u8(f, p + 2);
                }
                case TcpView.OPT_SACK_PERM -> {
                    if (optLen == SACK_PERM_LENGTH) out.sackPermitted = true;
                }
                case TcpView.OPT_TIMESTAMP -> {
                    if (optLen == TIMESTAMP_LENGTH) {
                        out.hasTimestamp = true;
                        out.tsVal = Bytes.i32(f, p + 2);
                        out.tsEcr = Bytes.i32(f, p + 6);
                    }
                }
                case TcpView.OPT_SACK -> sack(f, p, optLen, out);
                case TcpView.OPT_FASTOPEN -> out.fastOpen = true;
                case TcpView.OPT_EXPERIMENTAL -> {
                    if (optLen >= 4 && Bytes.u16(f, p + 2) == TcpView.TFO_EXPERIMENTAL_MAGIC) out.fastOpen = true;
                }
                default -> {
                    // unknown kinds are skipped by their length (RFC 9293 §3.2)
                }
            }
            p += optLen;
        }
        return ParseVerdict.OK;
    }

    /** RFC 2018 §3: 2 + 8n bytes, n = 1..4 (at most 4 fit in 40 option bytes). */
    private static void sack(MemorySegment f, long p, int optLen, ParsedFrame out) {
        int body = optLen - 2;
        if (body == 0 || body % SACK_BLOCK_LENGTH != 0) return;
        int n = Math.min(body / SACK_BLOCK_LENGTH, out.sackLeft.length);
        for (int i = 0; i < n; i++) {
            out.sackLeft[i] = Bytes.i32(f, p + 2 + i * SACK_BLOCK_LENGTH);
            out.sackRight[i] = Bytes.i32(f, p + 6 + i * SACK_BLOCK_LENGTH);
        }
        out.sackBlockCount = n;
    }
}
