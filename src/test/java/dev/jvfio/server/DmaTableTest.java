package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.Seeds;
import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class DmaTableTest {

    @Test
    @DisplayName("VU-6.1 overlapping windows are EEXIST, adjacent ones are fine, also at the top of the address space")
    void vu_6_1_overlap() {
        DmaTable t = new DmaTable(100);
        assertThat(t.map(0x10000, 0x10000, true, true, null)).isZero();
        assertThat(t.map(0x0F000, 0x2000, true, true, null)).isEqualTo(Errno.EEXIST);
        assertThat(t.map(0x1F000, 0x1000, true, true, null)).isEqualTo(Errno.EEXIST);
        assertThat(t.map(0x08000, 0x100000, true, true, null)).isEqualTo(Errno.EEXIST);
        assertThat(t.map(0x0F000, 0x1000, true, true, null)).isZero();
        assertThat(t.map(0x20000, 0x1000, true, true, null)).isZero();
        assertThat(t.map(-0x2000L, 0x2000, true, true, null)).isZero();          // ends at 2^64
        assertThat(t.map(-0x3000L, 0x2000, true, true, null)).isEqualTo(Errno.EEXIST);
        assertThat(t.map(0x7FFF_FFFF_FFFF_F000L, 0x2000, true, true, null)).isZero(); // crosses the sign bit
        assertThat(t.map(0x8000_0000_0000_0000L, 0x1000, true, true, null)).isEqualTo(Errno.EEXIST);
        assertThat(t.size()).isEqualTo(5);
    }

    @Test
    @DisplayName("VU-6.2 unmap must match a window exactly; VU-3.3 max_dma_maps is enforced with ENOSPC")
    void vu_6_2_exact_unmap_and_cap() {
        DmaTable t = new DmaTable(2);
        assertThat(t.map(0x1000, 0x2000, true, false, null)).isZero();
        assertThat(t.map(0x4000, 0x1000, true, false, null)).isZero();
        assertThat(t.map(0x8000, 0x1000, true, false, null)).isEqualTo(Errno.ENOSPC);
        assertThat(t.unmap(0x1000, 0x1000)).isEqualTo(Errno.EINVAL);
        assertThat(t.unmap(0x2000, 0x1000)).isEqualTo(Errno.EINVAL);
        assertThat(t.unmap(0x1000, 0x2000)).isZero();
        assertThat(t.map(0x8000, 0x1000, true, false, null)).isZero();
        t.close();
        assertThat(t.size()).isZero();
        assertThat(t.map(0x8000, 0x1000, true, false, null)).isEqualTo(Errno.ENODEV);
    }

    @Test
    @DisplayName("VU-8.5 DmaSpace serves fd-backed windows, checks bounds and permissions, EFAULT for message DMA")
    void vu_8_5_dma_space() throws Exception {
        DmaTable t = new DmaTable(10);
        try (Fd fd = Memfd.create("g", 0x4000)) {
            MappedMemory mem = MappedMemory.map(fd, 0, 0x4000, true);
            assertThat(t.map(0x10_0000, 0x4000, true, false, mem)).isZero();
            assertThat(t.map(0x20_0000, 0x1000, true, true, null)).isZero();
            mem.segment().set(ValueLayout.JAVA_LONG, 0x3FF8, 0x1122334455667788L);
            MemorySegment eight = MemorySegment.ofArray(new byte[8]);
            t.read(0x10_3FF8, eight);
            assertThat(eight.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(0x1122334455667788L);
            assertThatThrownBy(() -> t.read(0x10_3FFC, eight)).isInstanceOfSatisfying(VfioException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));          // runs off the window
            assertThatThrownBy(() -> t.write(0x10_0000, eight)).isInstanceOfSatisfying(VfioException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));          // read-only window
            assertThatThrownBy(() -> t.read(0x20_0000, eight)).isInstanceOfSatisfying(VfioException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));          // no fd: message DMA
            assertThatThrownBy(() -> t.read(0x0F_FFFC, eight)).isInstanceOfSatisfying(VfioException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));          // starts below
            t.close();
            assertThatThrownBy(() -> t.read(0x10_0000, eight)).isInstanceOfSatisfying(VfioException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        }
    }

    @RepeatedTest(5)
    @DisplayName("VU-6.1 random map/unmap sequences agree with a byte-level model of the address space")
    void vu_6_1_random_against_model(RepetitionInfo rep) {
        long seed = Seeds.of(0xD3A7L + rep.getCurrentRepetition());
        Random rnd = new Random(seed);
        DmaTable t = new DmaTable(1000);
        boolean[] used = new boolean[256];                  // pages 0..255 of 4 KiB
        java.util.Map<Long, Long> windows = new java.util.HashMap<>();
        for (int i = 0; i < 2000; i++) {
            int first = rnd.nextInt(256);
            int pages = 1 + rnd.nextInt(Math.min(16, 256 - first));
            long iova = first * 4096L;
            long size = pages * 4096L;
            if (rnd.nextBoolean()) {
                boolean free = true;
                for (int p = first; p < first + pages; p++) {
                    free &= !used[p];
                }
                int r = t.map(iova, size, true, true, null);
                assertThat(r).as("seed %d step %d", seed, i).isEqualTo(free ? 0 : Errno.EEXIST);
                if (free) {
                    for (int p = first; p < first + pages; p++) {
                        used[p] = true;
                    }
                    windows.put(iova, size);
                }
            } else {
                boolean exact = Long.valueOf(size).equals(windows.get(iova));
                assertThat(t.unmap(iova, size)).as("seed %d step %d", seed, i).isEqualTo(exact ? 0 : Errno.EINVAL);
                if (exact) {
                    windows.remove(iova);
                    for (int p = first; p < first + pages; p++) {
                        used[p] = false;
                    }
                }
            }
        }
        assertThat(t.size()).isEqualTo(windows.size());
    }
}
