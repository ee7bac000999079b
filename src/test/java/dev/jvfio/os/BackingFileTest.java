package dev.jvfio.os;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackingFileTest {
    @TempDir
    Path dir;

    @Test
    void createsAnOwnerOnlyFileOfTheRequestedSize() throws Exception {
        Path p = dir.resolve("mem");
        try (Fd fd = BackingFile.open(p, 1 << 20)) {
            assertThat(FdFlags.isCloseOnExec(fd)).isTrue();
        }
        assertThat(Files.size(p)).isEqualTo(1 << 20);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
    }

    @Test
    void reopeningKeepsTheBytesAndNeverShrinks() throws Exception {
        Path p = dir.resolve("mem");
        try (Fd fd = BackingFile.open(p, 8192); MappedMemory m = MappedMemory.map(fd, 0, 8192, true)) {
            m.segment().set(JAVA_LONG, 4096, 0xCAFEBABEL);
        }
        try (Fd fd = BackingFile.open(p, 4096)) {
            assertThat(Files.size(p)).isEqualTo(8192);
            try (MappedMemory m = MappedMemory.map(fd, 0, 8192, false)) {
                assertThat(m.segment().get(JAVA_LONG, 4096)).isEqualTo(0xCAFEBABEL);
            }
        }
        try (Fd fd = BackingFile.open(p, 16384)) {
            assertThat(Files.size(p)).isEqualTo(16384);
        }
    }

    @Test
    void openFailureNamesTheCallAndThePath() {
        Path p = dir.resolve("no/such/dir/mem");
        assertThatThrownBy(() -> BackingFile.open(p, 4096))
                .isInstanceOf(NativeException.class)
                .hasMessageContaining("open")
                .hasMessageContaining(p.toString());
    }
}
