package dev.jvfio.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FdTest {
    @Test
    void duplicateIsADistinctDescriptorAndCloseIsIdempotent() throws Exception {
        try (Fd stdin = Fd.adopt(Libc.dupCloexec(0)); Fd copy = stdin.duplicate()) {
            assertThat(copy.value()).isNotEqualTo(stdin.value());
            copy.close();
            copy.close();
            assertThat(copy.isOpen()).isFalse();
            assertThatThrownBy(copy::value).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void nativeExceptionNamesTheCallAndErrno() {
        assertThatThrownBy(() -> Libc.dupCloexec(1_000_000))
                .isInstanceOf(NativeException.class)
                .hasMessageContaining("fcntl")
                .hasMessageContaining("errno 9");
    }
}
