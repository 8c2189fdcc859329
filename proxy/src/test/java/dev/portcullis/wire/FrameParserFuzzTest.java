package dev.portcullis.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Fuzz target over {@link FrameParser}: any bytes give a verdict, never an exception, and every offset and length
 * the parser hands out lies inside the frame.
 *
 * <p>In a plain {@code mvn test} this runs in regression mode: the seed inputs under
 * {@code src/test/resources/dev/portcullis/wire/FrameParserFuzzTestInputs/parse/} (real frames from the pcap,
 * plus anything a fuzzing run found and saved there) are replayed once. To fuzz for real, set {@code JAZZER_FUZZ=1}
 * and bound the run with {@code @FuzzTest(maxDuration = "10m")} (or {@code -Djazzer.max_duration}):
 * <pre>JAZZER_FUZZ=1 ./mvn25 -B -o -pl proxy test -Dtest=FrameParserFuzzTest</pre>
 * Crashing inputs are written next to the seeds and then replay in every later {@code mvn test}.
 */
class FrameParserFuzzTest {
    private final ParsedFrame f = new ParsedFrame();

    @FuzzTest(maxDuration = "30s")
    void parse(FuzzedDataProvider data) {
        boolean gso = data.consumeBoolean();
        int slack = data.consumeInt(0, 16);
        byte[] bytes = data.consumeRemainingAsBytes();
        // heap segment of exactly the frame: any read past it throws
        check(MemorySegment.ofArray(bytes), 0, bytes.length, gso);
        // off-heap, inside a larger segment, with guard bytes after it that must not be read into any field
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment big = arena.allocate(bytes.length + slack + 64L);
            big.fill((byte) 0xee);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, big, slack, bytes.length);
            check(big, slack, bytes.length, gso);
        }
    }

    private void check(MemorySegment seg, long off, int len, boolean gso) {
        int v = FrameParser.parse(seg, off, len, f, gso);
        assertThat(v).isBetween(0, ParseVerdict.COUNT - 1).isEqualTo(f.verdict);
        long end = off + len;
        if (v != ParseVerdict.OK) return;
        switch (f.kind) {
            case ParsedFrame.KIND_TCP -> {
                assertThat(f.l4Offset).isBetween(off, end);
                assertThat(f.l4Offset + f.l4Length).isLessThanOrEqualTo(end);
                assertThat(f.payloadOffset).isBetween(f.l4Offset + 20, end);
                assertThat(f.payloadOffset + f.payloadLength).isLessThanOrEqualTo(end);
                assertThat(f.payloadLength).isNotNegative();
                assertThat(f.sackBlockCount).isBetween(0, 4);
                Checksum.verifyL4(f);   // must not throw
                Checksum.verifyIpv4Header(f);
            }
            case ParsedFrame.KIND_ICMP4, ParsedFrame.KIND_ICMP6 -> {
                assertThat(f.l4Offset + f.l4Length).isLessThanOrEqualTo(end);
                Checksum.verifyL4(f);
            }
            case ParsedFrame.KIND_ARP -> assertThat(len).isGreaterThanOrEqualTo(14 + ArpView.LENGTH);
            default -> throw new AssertionError("OK with kind " + f.kind);
        }
    }
}
