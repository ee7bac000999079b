package dev.jvfio.os;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
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
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
                .isEqualTo("rw-------");
    }

    @Test
    @DisplayName("reopening a file of the same size keeps its bytes")
    void reopeningKeepsTheBytes() throws Exception {
        Path p = dir.resolve("mem");
        try (Fd fd = BackingFile.open(p, 8192);
                MappedMemory m = MappedMemory.map(fd, 0, 8192, true)) {
            m.segment().set(JAVA_LONG, 4096, 0xCAFEBABEL);
        }
        try (Fd fd = BackingFile.open(p, 8192);
                MappedMemory m = MappedMemory.map(fd, 0, 8192, false)) {
            assertThat(m.segment().get(JAVA_LONG, 4096)).isEqualTo(0xCAFEBABEL);
        }
    }

    @Test
    @DisplayName("a file holding data of another size is refused, larger or smaller, and left as it was")
    void aFileOfAnotherSizeIsRefusedAndLeftAlone() throws Exception {
        Path p = dir.resolve("mem");
        try (Fd fd = BackingFile.open(p, 8192)) {
            assertThat(fd.isOpen()).isTrue();
        }
        for (long asked : List.of(4096L, 16384L)) {
            assertThatThrownBy(() -> BackingFile.open(p, asked))
                    .isInstanceOfSatisfying(BackingFile.SizeMismatchException.class, e -> {
                        assertThat(e.holds()).isEqualTo(8192);
                        assertThat(e.wanted()).isEqualTo(asked);
                        assertThat(e.path()).isEqualTo(p);
                    })
                    .hasMessageContaining(p + " holds 8192 bytes, not the " + asked);
            assertThat(Files.size(p)).isEqualTo(8192);
        }
    }

    @Test
    @DisplayName("an empty existing file is sized like a new one: it holds no data")
    void anEmptyFileIsSized() throws Exception {
        Path p = Files.createFile(dir.resolve("mem"));
        try (Fd fd = BackingFile.open(p, 8192)) {
            assertThat(fd.isOpen()).isTrue();
        }
        assertThat(Files.size(p)).isEqualTo(8192);
    }

    @Test
    @DisplayName("resize is the explicit way to grow or shrink, and keeps the bytes below the new end")
    void resizeGrowsAndShrinksOnRequest() throws Exception {
        Path p = dir.resolve("mem");
        try (Fd fd = BackingFile.open(p, 8192);
                MappedMemory m = MappedMemory.map(fd, 0, 8192, true)) {
            m.segment().set(JAVA_LONG, 0, 0x1234L);
        }
        assertThat(BackingFile.resize(p, 16384)).isEqualTo(8192);
        assertThat(Files.size(p)).isEqualTo(16384);
        assertThat(BackingFile.resize(p, 4096)).isEqualTo(16384);
        try (Fd fd = BackingFile.open(p, 4096);
                MappedMemory m = MappedMemory.map(fd, 0, 4096, false)) {
            assertThat(m.segment().get(JAVA_LONG, 0)).isEqualTo(0x1234L);
        }
    }

    @Test
    @DisplayName("a second user of the same file, here through a symlink, is refused while the first holds it")
    void aSecondUserIsRefusedNamingTheHolder() throws Exception {
        Path p = dir.resolve("mem");
        Path link = Files.createSymbolicLink(dir.resolve("link"), p);
        try (Fd first = BackingFile.open(p, 8192)) {
            assertThatThrownBy(() -> BackingFile.open(link, 8192))
                    .isInstanceOfSatisfying(BackingFile.InUseException.class, e -> {
                        assertThat(e.holderPid())
                                .hasValue(ProcessHandle.current().pid());
                        assertThat(e.path()).isEqualTo(link);
                    })
                    .hasMessageContaining(link + " is in use by pid "
                            + ProcessHandle.current().pid());
            assertThatThrownBy(() -> BackingFile.inspect(p)).isInstanceOf(BackingFile.InUseException.class);
            assertThatThrownBy(() -> BackingFile.resize(p, 4096)).isInstanceOf(BackingFile.InUseException.class);
            assertThat(Files.size(p)).isEqualTo(8192);
            try (Fd copy = first.duplicate()) {
                first.close();
                // a duplicate (such as the copy a client got for mmap) keeps the lock
                assertThatThrownBy(() -> BackingFile.open(p, 8192)).isInstanceOf(BackingFile.InUseException.class);
                assertThat(copy.isOpen()).isTrue();
            }
        }
        try (Fd again = BackingFile.open(link, 8192)) {
            assertThat(again.isOpen())
                    .as("free again once every copy is closed")
                    .isTrue();
        }
    }

    @Test
    @DisplayName("inspect tells existence and size without creating anything")
    void inspectCreatesNothing() throws Exception {
        Path p = dir.resolve("mem");
        assertThat(BackingFile.inspect(p)).isEqualTo(new BackingFile.State(false, 0));
        assertThat(p).doesNotExist();
        try (Fd fd = BackingFile.open(p, 8192)) {
            assertThat(fd.isOpen()).isTrue();
        }
        assertThat(BackingFile.inspect(p)).isEqualTo(new BackingFile.State(true, 8192));
    }

    @Test
    @DisplayName("/proc/locks lines: the holder of our file's lock, not a waiter, another file or ourselves first")
    void procLocksLinesNameTheHolder() {
        List<String> lines = List.of(
                "1: FLOCK  ADVISORY  WRITE 1113 fe:00:2154533 0 EOF",
                "2: FLOCK  ADVISORY  WRITE 77 fe:00:42 0 EOF",
                "2: -> FLOCK  ADVISORY  WRITE 88 fe:00:42 0 EOF",
                "3: POSIX  ADVISORY  READ 99 00:2f:42 0 EOF");
        assertThat(FileLocks.holderOf(lines, 0xfe, 0, 42, 1)).isEqualTo(77);
        assertThat(FileLocks.holderOf(lines, 0, 0x2f, 42, 1)).isEqualTo(99);
        assertThat(FileLocks.holderOf(lines, 0xfe, 0, 43, 1)).isZero();
        assertThat(FileLocks.holderOf(lines, 0xfe, 0, 42, 77)).isEqualTo(77);
        // glibc's dev_t encoding: major 0xfe minor 0 is 65024; major 259 minor 1048575 spreads over both halves
        assertThat(FileLocks.major(65024)).isEqualTo(0xfe);
        assertThat(FileLocks.minor(65024)).isZero();
        long dev = ((259L & 0xfff) << 8) | ((259L & ~0xfffL) << 32) | (1048575L & 0xff) | ((1048575L & ~0xffL) << 12);
        assertThat(FileLocks.major(dev)).isEqualTo(259);
        assertThat(FileLocks.minor(dev)).isEqualTo(1048575);
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
