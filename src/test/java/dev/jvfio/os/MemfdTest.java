package dev.jvfio.os;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MemfdTest {
    @Test
    void memfdHasTheRequestedSizeAndNameAndIsCloseOnExec() throws Exception {
        try (Fd fd = Memfd.create("jvfio-test", 3 * 4096)) {
            assertThat(Libc.fileSize(fd.value(), "memfd")).isEqualTo(3 * 4096);
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd.value()))
                            .toString())
                    .startsWith("/memfd:jvfio-test");
            assertThat(FdFlags.isCloseOnExec(fd)).isTrue();
        }
    }

    @Test
    void twoMappingsOfOneMemfdShareTheirBytes() throws Exception {
        try (Fd fd = Memfd.create("shared", 8192);
                MappedMemory a = MappedMemory.map(fd, 0, 8192, true);
                MappedMemory b = MappedMemory.map(fd, 4096, 4096, true)) {
            a.segment().set(JAVA_LONG, 4096 + 8, 0x1122334455667788L);
            assertThat(b.segment().get(JAVA_LONG, 8)).isEqualTo(0x1122334455667788L);
        }
    }

    @Test
    void negativeSizeIsRejected() {
        assertThatThrownBy(() -> Memfd.create("bad", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
