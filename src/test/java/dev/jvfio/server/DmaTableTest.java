package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.device.Errno;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** The map of one client's DMA windows: overlap, exact unmap, the window cap, closing. */
class DmaTableTest {

    /** Adds a window without an fd, as DMA_MAP does after its checks; 0 or the errno. */
    private static int map(DmaTable t, long iova, long size, boolean readable, boolean writable) {
        return t.add(new DmaWindow(iova, size, readable, writable, null));
    }

    /** Removes the window that matches exactly, as DMA_UNMAP does; 0 or EINVAL. */
    private static int unmap(DmaTable t, long iova, long size) {
        DmaWindow w = t.exactly(iova, size);
        if (w == null) {
            return Errno.EINVAL;
        }
        t.remove(w);
        return 0;
    }

    @Test
    @DisplayName("VU-6.1 overlapping windows are EEXIST, adjacent ones are fine, also at the top of the address space")
    void vu_6_1_overlap() {
        DmaTable t = new DmaTable(100);
        assertThat(map(t, 0x10000, 0x10000, true, true)).isZero();
        assertThat(map(t, 0x0F000, 0x2000, true, true)).isEqualTo(Errno.EEXIST);
        assertThat(map(t, 0x1F000, 0x1000, true, true)).isEqualTo(Errno.EEXIST);
        assertThat(map(t, 0x08000, 0x100000, true, true)).isEqualTo(Errno.EEXIST);
        assertThat(map(t, 0x0F000, 0x1000, true, true)).isZero();
        assertThat(map(t, 0x20000, 0x1000, true, true)).isZero();
        assertThat(map(t, -0x2000L, 0x2000, true, true)).isZero(); // ends at 2^64
        assertThat(map(t, -0x3000L, 0x2000, true, true)).isEqualTo(Errno.EEXIST);
        assertThat(map(t, 0x7FFF_FFFF_FFFF_F000L, 0x2000, true, true)).isZero(); // crosses the sign bit
        assertThat(map(t, 0x8000_0000_0000_0000L, 0x1000, true, true)).isEqualTo(Errno.EEXIST);
        assertThat(t.size()).isEqualTo(5);
    }

    @Test
    @DisplayName("VU-6.2 unmap must match a window exactly; VU-3.3 max_dma_maps is enforced with ENOSPC")
    void vu_6_2_exact_unmap_and_cap() {
        DmaTable t = new DmaTable(2);
        assertThat(map(t, 0x1000, 0x2000, true, false)).isZero();
        assertThat(map(t, 0x4000, 0x1000, true, false)).isZero();
        assertThat(map(t, 0x8000, 0x1000, true, false)).isEqualTo(Errno.ENOSPC);
        assertThat(unmap(t, 0x1000, 0x1000)).isEqualTo(Errno.EINVAL);
        assertThat(unmap(t, 0x2000, 0x1000)).isEqualTo(Errno.EINVAL);
        assertThat(unmap(t, 0x1000, 0x2000)).isZero();
        assertThat(map(t, 0x8000, 0x1000, true, false)).isZero();
        assertThat(t.removeAll(true)).extracting(DmaWindow::iova).containsExactly(0x4000L, 0x8000L);
        assertThat(t.size()).isZero();
        assertThat(t.admits(0x8000, 0x1000)).isEqualTo(Errno.ENODEV);
        assertThat(map(t, 0x8000, 0x1000, true, false)).isEqualTo(Errno.ENODEV);
    }

    @Test
    @DisplayName("VU-6.1 admits answers what add would, without adding; limitWindows only lowers the cap")
    void vu_6_1_admits_and_limit() {
        DmaTable t = new DmaTable(3);
        assertThat(map(t, 0x1000, 0x1000, true, true)).isZero();
        assertThat(t.admits(0x1000, 0x2000)).isEqualTo(Errno.EEXIST);
        assertThat(t.admits(0x2000, 0x1000)).isZero();
        assertThat(t.size()).isEqualTo(1);
        t.limitWindows(10);
        t.limitWindows(2);
        assertThat(map(t, 0x2000, 0x1000, true, true)).isZero();
        assertThat(t.admits(0x3000, 0x1000))
                .as("cap lowered to 2, not raised to 10")
                .isEqualTo(Errno.ENOSPC);
    }

    @Test
    @DisplayName("VU-6.2 a lookup finds the window covering an address, nothing in a gap or once the table is closed")
    void vu_6_2_lookup() {
        DmaTable t = new DmaTable(10);
        assertThat(map(t, 0x10000, 0x1000, true, false)).isZero();
        assertThat(map(t, -0x1000L, 0x1000, true, false)).isZero(); // the top page of the address space
        t.readLock().lock();
        try {
            assertThat(t.at(0x10FFF)).extracting(DmaWindow::iova).isEqualTo(0x10000L);
            assertThat(t.at(0x11000)).isNull();
            assertThat(t.at(0x0FFFF)).isNull();
            assertThat(t.at(-1L)).extracting(DmaWindow::iova).isEqualTo(-0x1000L);
        } finally {
            t.readLock().unlock();
        }
        t.removeAll(true);
        t.readLock().lock();
        try {
            assertThat(t.closed()).isTrue();
            assertThat(t.at(0x10000)).isNull();
        } finally {
            t.readLock().unlock();
        }
    }

    @RepeatedTest(5)
    @DisplayName("VU-6.1 random map/unmap sequences agree with a byte-level model of the address space")
    void vu_6_1_random_against_model(RepetitionInfo rep) {
        long seed = Seeds.of(0xD3A7L + rep.getCurrentRepetition());
        Random rnd = new Random(seed);
        DmaTable t = new DmaTable(1000);
        boolean[] used = new boolean[256]; // pages 0..255 of 4 KiB
        Map<Long, Long> windows = new HashMap<>();
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
                int r = map(t, iova, size, true, true);
                assertThat(r).as("seed %d step %d", seed, i).isEqualTo(free ? 0 : Errno.EEXIST);
                if (free) {
                    for (int p = first; p < first + pages; p++) {
                        used[p] = true;
                    }
                    windows.put(iova, size);
                }
            } else {
                boolean exact = Long.valueOf(size).equals(windows.get(iova));
                assertThat(unmap(t, iova, size)).as("seed %d step %d", seed, i).isEqualTo(exact ? 0 : Errno.EINVAL);
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
