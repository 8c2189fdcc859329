package dev.portcullis.io;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SmallRingOptionsTest {
    @Test
    void defaultsTakeAnEthernetFrameWholeInPageSizedBlocks() {
        SmallRingOptions o = SmallRingOptions.defaults();
        assertThat(o.maxFrameLength()).isGreaterThanOrEqualTo(1518).isLessThan(o.frameSize());
        assertThat(o.blockSize()).isEqualTo(4096);
        assertThat((long) o.blockSize() * o.blockCount()).isEqualTo((long) o.frameSize() * o.frameCount());
        assertThat(o.fanoutGroup()).isEqualTo(-1);
        assertThat(o.withFanoutGroup(7).fanoutGroup()).isEqualTo(7);
    }

    @Test
    void slotsLargerThanAPageAreABlockEach() {
        SmallRingOptions o = new SmallRingOptions(16384, 64, -1);
        assertThat(o.blockSize()).isEqualTo(16384);
        assertThat(o.blockCount()).isEqualTo(64);
        assertThat(o.maxFrameLength()).isEqualTo(16384 - SmallRingOptions.HEADROOM);
    }

    @Test
    void badSizesAreRefused() {
        assertThatThrownBy(() -> new SmallRingOptions(3000, 4096, -1)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new SmallRingOptions(128, 4096, -1)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new SmallRingOptions(131072, 64, -1)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new SmallRingOptions(256, 8, -1)).hasMessageContaining("frameCount");
        assertThatThrownBy(() -> new SmallRingOptions(256, 17, -1)).hasMessageContaining("multiple of 16");
        assertThatThrownBy(() -> new SmallRingOptions(2048, 4096, 70000)).hasMessageContaining("fanoutGroup");
    }
}
