package dev.jvfio.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.procfs.ResidentMemory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MappedMemoryTest {
    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;

    @Test
    @DisplayName("a 96 GiB memfd maps as one segment and stays sparse when touched far apart")
    void ninetySixGibMappingStaysSparse() throws Exception {
        long size = 96 * GIB;
        try (Fd fd = Memfd.create("huge", size);
                MappedMemory m = MappedMemory.map(fd, 0, size, true)) {
            assertThat(m.size()).isEqualTo(size);
            assertThat(m.segment().byteSize()).isEqualTo(size);
            long before = ResidentMemory.selfBytes();
            long[] offsets = {0, 17 * GIB + 4096, 48 * GIB, 95 * GIB + 123_456, size - 8};
            for (long off : offsets) {
                m.segment().set(JAVA_LONG, off & ~7L, off);
            }
            for (long off : offsets) {
                assertThat(m.segment().get(JAVA_LONG, off & ~7L)).isEqualTo(off);
            }
            long grown = ResidentMemory.selfBytes() - before;
            // Five touched pages (plus whatever the JVM did meanwhile) — nowhere near 96 GiB.
            assertThat(grown).isLessThan(64 * MIB);
        }
    }

    @Test
    void closeIsIdempotentAndTheSegmentIsUnusableAfterwards() throws Exception {
        try (Fd fd = Memfd.create("closing", 4096)) {
            MappedMemory m = MappedMemory.map(fd, 0, 4096, true);
            m.segment().set(JAVA_BYTE, 0, (byte) 7);
            m.close();
            m.close();
            assertThatThrownBy(() -> m.segment().get(JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void readOnlyMappingRefusesWrites() throws Exception {
        try (Fd fd = Memfd.create("ro", 4096);
                MappedMemory m = MappedMemory.map(fd, 0, 4096, false)) {
            assertThat(m.segment().isReadOnly()).isTrue();
            assertThatThrownBy(() -> m.segment().set(JAVA_BYTE, 0, (byte) 1))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void mappingOutlivesItsFd() throws Exception {
        MappedMemory m;
        try (Fd fd = Memfd.create("outlive", 4096)) {
            m = MappedMemory.map(fd, 0, 4096, true);
        }
        try (m) {
            m.segment().set(JAVA_LONG, 0, 42L);
            assertThat(m.segment().get(JAVA_LONG, 0)).isEqualTo(42L);
        }
    }

    @Test
    void failedMmapNamesTheCall() throws Exception {
        long page = PageSize.system().bytes();
        try (Fd fd = Memfd.create("misaligned", 2 * page)) {
            assertThatThrownBy(() -> MappedMemory.map(fd, 100, page, true))
                    .isInstanceOf(NativeException.class)
                    .hasMessageContaining("mmap")
                    .hasMessageContaining("errno 22");
        }
    }

    @Test
    @DisplayName("a range past the end of a memfd is refused on every architecture (no struct stat)")
    void aRangePastTheEndOfTheFileIsRefused() throws Exception {
        long page = PageSize.system().bytes();
        try (Fd fd = Memfd.create("short", 2 * page)) {
            assertThatThrownBy(() -> MappedMemory.map(fd, page, 2 * page, true))
                    .isInstanceOf(NativeException.class)
                    .hasMessageContaining("past the end of the file")
                    .satisfies(e -> assertThat(((NativeException) e).errno()).isEqualTo(22));
            assertThatThrownBy(() -> MappedMemory.map(fd, 0, 3 * page, true))
                    .isInstanceOf(NativeException.class)
                    .hasMessageContaining("past the end of the file");
            assertThatThrownBy(() -> MappedMemory.map(fd, Long.MAX_VALUE - (page - 1), 2 * page, true))
                    .isInstanceOf(NativeException.class);
            try (MappedMemory whole = MappedMemory.map(fd, page, page, true)) {
                assertThat(whole.size()).isEqualTo(page);
            }
        }
    }

    @Test
    @DisplayName("a file shrunk under a mapping gives InternalError on access, not a dead process")
    void shrinkingTheFileUnderAMappingIsSurvivable() throws Exception {
        long page = PageSize.system().bytes();
        try (Fd fd = Memfd.create("shrinks", 2 * page);
                MappedMemory m = MappedMemory.map(fd, 0, 2 * page, true)) {
            m.segment().set(JAVA_LONG, page, 1L);
            Libc.ftruncate(fd.value(), 0, "memfd");
            assertThatThrownBy(() -> m.segment().get(JAVA_LONG, page)).isInstanceOf(InternalError.class);
        }
    }
}
