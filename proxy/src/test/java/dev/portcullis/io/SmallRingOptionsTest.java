package dev.portcullis.io;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SmallRingOptionsTest {
    @Test
    void defaultsTakeSynsAndAcksInPageSizedBlocks() {
        SmallRingOptions o = SmallRingOptions.defaults();
        assertThat(o.maxFrameLength()).as("an IPv6 SYN with options, 94 bytes, fits").isGreaterThanOrEqualTo(94)
                .isLessThanOrEqualTo(o.frameSize() - SmallRingOptions.HEADROOM);
        assertThat(o.blockSize()).isEqualTo(4096);
        assertThat((long) o.blockSize() * o.blockCount()).isEqualTo((long) o.frameSize() * o.frameCount());
        assertThat(o.fanoutGroup()).isEqualTo(-1);
        assertThat(o.withFanoutGroup(7).fanoutGroup()).isEqualTo(7);
    }

    @Test
    void slotsLargerThanAPageAreABlockEach() {
        SmallRingOptions o = new SmallRingOptions(16384, 64, 16384 - SmallRingOptions.HEADROOM, -1);
        assertThat(o.blockSize()).isEqualTo(16384);
        assertThat(o.blockCount()).isEqualTo(64);
        assertThat(SmallRingOptions.defaults().withFrames(2048, 4096, 1920).blockCount()).isEqualTo(2048);
    }

    @Test
    void badSizesAreRefused() {
        assertThatThrownBy(() -> new SmallRingOptions(3000, 4096, 256, -1)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new SmallRingOptions(128, 4096, 64, -1)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new SmallRingOptions(131072, 64, 256, -1)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new SmallRingOptions(256, 8, 100, -1)).hasMessageContaining("frameCount");
        assertThatThrownBy(() -> new SmallRingOptions(256, 17, 100, -1)).hasMessageContaining("multiple of 16");
        assertThatThrownBy(() -> new SmallRingOptions(512, 4096, 385, -1)).as("a frame that would be cut")
                .hasMessageContaining("maxFrameLength");
        assertThatThrownBy(() -> new SmallRingOptions(512, 4096, 59, -1)).hasMessageContaining("maxFrameLength");
        assertThatThrownBy(() -> new SmallRingOptions(2048, 4096, 256, 70000)).hasMessageContaining("fanoutGroup");
    }
}
