package dev.portcullis.loadtest.flood;

import dev.portcullis.wire.Checksum;
import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.ParseVerdict;
import dev.portcullis.wire.ParsedFrame;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/** The generator's frames as Portcullis's own parser and checksum code see them: every one parses and verifies. */
class FloodFramesWireTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 17, 4242, 0x5eed})
    void everyFrameParsesAndItsChecksumsVerify(long seed) {
        FloodSpec spec = new FloodSpec("x", 0x020000000001L, 0x020000000002L, FloodFrames.parseIp("10.77.0.3"), 80,
                FloodFrames.parseIp("100.64.0.0"), 10, false, 6, 2, 2, OsProfile.LINUX, true, 0, 1, 1000, seed);
        FrameSource src = new FrameSource(spec);
        ParsedFrame f = new ParsedFrame();
        int syns = 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            for (int i = 0; i < 3000; i++) {
                int len = src.write(buf, 0, 1000 + i);
                int v = FrameParser.parse(buf, 0, len, f);
                assertThat(v).as(ParseVerdict.name(v)).isEqualTo(ParseVerdict.OK);
                assertThat(f.kind).isEqualTo(ParsedFrame.KIND_TCP);
                assertThat(Checksum.verifyIpv4Header(f)).isTrue();
                assertThat(Checksum.verifyL4(f)).isTrue();
                assertThat(f.dstPort).isEqualTo(80);
                if (f.flags == 0x02) {
                    syns++;
                    // every client profile announces MSS 1460, SACK and a window scale
                    assertThat(f.mss).isEqualTo(1460);
                    assertThat(f.sackPermitted).isTrue();
                    assertThat(f.windowScale).isIn(6, 7, 8);
                    if (f.hasTimestamp) assertThat(f.tsVal).isEqualTo(1000 + i);
                } else {
                    assertThat(f.flags).isIn(0x10, 0x04);
                    assertThat(f.mss).isEqualTo(-1);
                }
            }
        }
        assertThat(syns).isBetween(1600, 2000);
    }
}
