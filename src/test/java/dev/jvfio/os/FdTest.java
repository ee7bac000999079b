package dev.jvfio.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FdTest {
    @Test
    void duplicateIsADistinctDescriptorAndCloseIsIdempotent() throws Exception {
        try (Fd stdin = Fd.adopt(Libc.dupCloexec(0));
                Fd copy = stdin.duplicate()) {
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

    @Test
    @DisplayName("a file's type and size come from the JDK, not from a struct stat whose layout differs on arm64")
    void regularFileSizeOfAMemfdAndOfNonFiles() throws Exception {
        try (Fd memfd = Memfd.create("sized", 12345);
                EventFd ev = EventFd.create()) {
            assertThat(memfd.regularFileSize()).isEqualTo(12345);
            assertThat(ev.fd().regularFileSize()).isEqualTo(-1);
            Libc.ftruncate(memfd.value(), 3 * 65536L, "memfd");
            assertThat(memfd.regularFileSize()).isEqualTo(3 * 65536L);
            Fd copy = memfd.duplicate();
            copy.close();
            assertThatThrownBy(copy::regularFileSize).isInstanceOf(IllegalStateException.class);
        }
    }
}
