package dev.portcullis.io;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RingOptionsTest {
    @Test
    void defaultsHoldA64KbFrameAndSetTheBlockTimeoutExplicitly() {
        RingOptions o = RingOptions.defaults();
        assertThat(o.blockSize()).isGreaterThanOrEqualTo(65536 + 48 + 48 + 64);
        assertThat(o.retireBlockTovMs()).isEqualTo(1);
        assertThat(o.fanoutGroup()).isEqualTo(-1);
        assertThat(o.withFanoutGroup(7).fanoutGroup()).isEqualTo(7);
    }

    @Test
    void rejectsRingsThatWouldCutFramesOrLeaveTheTimeoutToTheKernel() {
        assertThatThrownBy(() -> RingOptions.defaults().withBlocks(64 * 1024, 16))
                .hasMessageContaining("64 KB frame");
        assertThatThrownBy(() -> RingOptions.defaults().withRetireBlockTovMs(0)).hasMessageContaining("8 ms");
        assertThatThrownBy(() -> RingOptions.defaults().withBlocks(3 * 128 * 1024, 16))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingOptions.defaults().withFanoutGroup(70000))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
