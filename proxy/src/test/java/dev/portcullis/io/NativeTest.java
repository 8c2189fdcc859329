package dev.portcullis.io;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeTest {
    @Test
    void availabilityComesWithAReasonWhenFalse() {
        if (Native.isAvailable()) {
            assertThat(Native.unavailabilityCause()).isNull();
        } else {
            System.out.println("Native unavailable: " + Native.unavailabilityCause());
            assertThat(Native.unavailabilityCause()).isNotBlank();
        }
    }

    @Test
    void aFailedCallNamesTheCallAndTheErrno() {
        assumeTrue(Native.isAvailable(), Native.unavailabilityCause());
        assertThatThrownBy(() -> Native.close(-1)).isInstanceOf(IOException.class)
                .hasMessageContaining("close(-1)").hasMessageContaining("Bad file descriptor")
                .hasMessageContaining("errno 9");
        assertThatThrownBy(() -> Native.ifNameToIndex("no-such-dev0")).isInstanceOf(IOException.class)
                .hasMessageContaining("if_nametoindex(no-such-dev0)");
    }

    @Test
    void loopbackHasAnIndexAndAnMtu() throws IOException {
        assumeTrue(Native.isAvailable(), Native.unavailabilityCause());
        int fd = Native.socket(Native.AF_PACKET, Native.SOCK_RAW | Native.SOCK_CLOEXEC, 0);
        try {
            assertThat(Native.ifNameToIndex("lo")).isPositive();
            assertThat(Native.interfaceMtu(fd, "lo")).isGreaterThanOrEqualTo(1500);
            assertThat(Native.interfaceMac(fd, "lo")).isZero();
        } finally {
            Native.close(fd);
        }
    }
}
