package dev.jvfio.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Extents, positional I/O and punched holes of a sparse memfd (what a migration reads device memory with). */
class SparseFileTest {
    static final long PAGE = 4096;

    @Test
    @DisplayName("SEEK_DATA/SEEK_HOLE find written pages only; reading a hole gives zeros and allocates nothing")
    void extents() throws Exception {
        try (Fd fd = Memfd.createFixedSize("sparse", 64 * PAGE);
                Arena a = Arena.ofConfined()) {
            assertThat(SparseFile.nextData(fd, 0)).isEqualTo(-1);
            MemorySegment page = a.allocate(PAGE);
            page.fill((byte) 7);
            SparseFile.writeFully(fd, page, 10 * PAGE);
            SparseFile.writeFully(fd, MemorySegment.ofArray(new byte[] {1, 2, 3}), 40 * PAGE + 5); // a heap segment
            assertThat(SparseFile.nextData(fd, 0)).isEqualTo(10 * PAGE);
            assertThat(SparseFile.nextHole(fd, 10 * PAGE)).isEqualTo(11 * PAGE);
            assertThat(SparseFile.nextData(fd, 11 * PAGE)).isEqualTo(40 * PAGE);
            assertThat(SparseFile.nextData(fd, 41 * PAGE)).isEqualTo(-1);
            byte[] back = new byte[8];
            SparseFile.readFully(fd, MemorySegment.ofArray(back), 40 * PAGE + 4);
            assertThat(back).containsExactly(0, 1, 2, 3, 0, 0, 0, 0);
            MemorySegment hole = a.allocate(PAGE);
            hole.fill((byte) 9);
            SparseFile.readFully(fd, hole, 20 * PAGE);
            assertThat(hole.toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
            assertThat(SparseFile.nextData(fd, 11 * PAGE))
                    .as("the read allocated nothing")
                    .isEqualTo(40 * PAGE);
        }
    }

    @Test
    @DisplayName("zero() punches a hole: the range reads zeros and holds no data; bytes past the end read as zeros")
    void zero() throws Exception {
        try (Fd fd = Memfd.createFixedSize("sparse", 16 * PAGE);
                Arena a = Arena.ofConfined()) {
            MemorySegment four = a.allocate(4 * PAGE);
            four.fill((byte) 5);
            SparseFile.writeFully(fd, four, 0);
            SparseFile.zero(fd, PAGE, 2 * PAGE);
            assertThat(SparseFile.nextHole(fd, 0)).isEqualTo(PAGE);
            assertThat(SparseFile.nextData(fd, PAGE)).isEqualTo(3 * PAGE);
            MemorySegment tail = a.allocate(2 * PAGE);
            tail.fill((byte) 1);
            SparseFile.readFully(fd, tail, 15 * PAGE);
            assertThat(tail.toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
            try (Fd dup = fd.duplicate();
                    Fd other = Memfd.create("other", PAGE)) {
                assertThat(FileIdentity.of(dup)).isEqualTo(FileIdentity.of(fd)).isNotEqualTo(FileIdentity.of(other));
            }
        }
    }
}
