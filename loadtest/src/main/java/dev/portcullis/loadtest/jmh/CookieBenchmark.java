package dev.portcullis.loadtest.jmh;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.wire.ParsedFrame;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** SYN-cookie generate (per SYN) and check (per final ACK): SipHash-2-4 over 48 bytes, no allocation. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CookieBenchmark {
    private static final long SRC = ParsedFrame.v4Mapped(0x0a00_0001);
    private static final long DST = ParsedFrame.v4Mapped(0x0a00_0002);
    private static final long NOW = 1_795_000_000L;

    private CookieCodec codec;
    private int isn;
    private int[] cookies;

    @Setup
    public void setup() {
        codec = new CookieCodec("jmh master secret of 32 bytes...".getBytes());
        cookies = new int[1024];
        for (int i = 0; i < cookies.length; i++) {
            cookies[i] = codec.generate(0, SRC, 40000 + i, 0, DST, 80, i * 7919, i & 3, NOW);
        }
    }

    @Benchmark
    public int cookieGenerate() {
        int i = isn++;
        return codec.generate(0, SRC, 40000 + (i & 1023), 0, DST, 80, i, i & 3, NOW);
    }

    /** Valid cookies (the full hash is computed either way: no early exit). */
    @Benchmark
    public int cookieCheck() {
        int i = isn++ & 1023;
        return codec.check(0, SRC, 40000 + i, 0, DST, 80, i * 7919, cookies[i], NOW + 30);
    }
}
