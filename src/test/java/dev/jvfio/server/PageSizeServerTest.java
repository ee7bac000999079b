package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.Errno;
import dev.jvfio.device.MappableFile;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.os.PageSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server at 4, 16 and 64 KiB pages, the granules of x86-64 and arm64 kernels, through
 * {@link ServerOptions#withPageSize}: on this 4 KiB machine the larger granules still map, since
 * they are multiples of the kernel's page.
 */
class PageSizeServerTest {

    @ParameterizedTest(name = "page {0}")
    @ValueSource(longs = {4096, 16384, 65536})
    @DisplayName(
            "VU-3.3 VERSION announces the server's page size as pgsizes although the client proposed 4096 (QEMU, VU-8.1)")
    void vu_3_3_pgsizes_is_the_page_size(long page) throws Exception {
        try (Served s = Served.at(page);
                VfioUserClient c = VfioUserClient.connect(s.server.socketPath())) {
            assertThat(c.serverCapabilities().pgsizes()).isEqualTo(page);
        }
    }

    @ParameterizedTest(name = "page {0}")
    @ValueSource(longs = {4096, 16384, 65536})
    @DisplayName("VU-6.1 DMA_MAP address, size and file offset must be multiples of the announced page size")
    void vu_6_1_dma_map_granule_is_the_page_size(long page) throws Exception {
        try (Served s = Served.at(page);
                Fd memfd = Memfd.create("dma", 4 * page);
                VfioUserClient c = VfioUserClient.connect(s.server.socketPath())) {
            c.dmaMap(memfd, page, 8 * page, 2 * page, true, true);
            assertThat(s.server.dmaWindows()).isEqualTo(1);
            if (page > 4096) {
                assertRefused(() -> c.dmaMap(memfd, 0, 16 * page + 4096, page, true, true));
                assertRefused(() -> c.dmaMap(memfd, 0, 16 * page, page - 4096, true, true));
                assertRefused(() -> c.dmaMap(memfd, 4096, 16 * page, page, true, true));
                assertThat(s.server.dmaWindows()).isEqualTo(1);
            }
            c.dmaUnmapAll();
        }
    }

    @ParameterizedTest(name = "page {0}")
    @ValueSource(longs = {4096, 16384, 65536})
    @DisplayName(
            "VU-4.3 sparse areas reach the client in whole pages; a BAR with no whole page left is trapped, without MMAP or fd")
    void vu_4_3_sparse_areas_are_whole_pages(long page) throws Exception {
        try (Served s = Served.at(page);
                VfioUserClient c = VfioUserClient.connect(s.server.socketPath())) {
            RegionInfo bar0 = c.regionInfo(0); // RAM at [4 KiB, 16 KiB) of a 16 KiB BAR
            if (page == 4096) {
                assertThat(bar0.sparseAreas()).containsExactly(new SparseArea(4096, RamDevice.BAR0_SIZE - 4096));
                assertThat(bar0.file()).isNotNull();
            } else {
                assertThat(bar0.sparseAreas()).isEmpty();
                assertThat(bar0.flags() & Vfio.REGION_INFO_FLAG_MMAP).isZero();
                assertThat(bar0.file()).isNull();
            }
            assertThat(bar0.size()).isEqualTo(RamDevice.BAR0_SIZE);
        }
    }

    @Test
    @DisplayName(
            "VU-4.3 clipping: area starts round up, ends round down, empty areas go, a misaligned file offset traps the region")
    void vu_4_3_region_pages_clip() throws Exception {
        try (Fd fd = Memfd.create("clip", 1)) {
            int flags = Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE | Vfio.REGION_INFO_FLAG_MMAP;
            RegionInfo info = RegionInfo.mappable(
                    0,
                    1 << 20,
                    flags,
                    new MappableFile(fd, 0),
                    List.of(
                            new SparseArea(0, 0x2000),
                            new SparseArea(0x3000, 0x3D000),
                            new SparseArea(0x80000, 0x80000)));
            assertThat(RegionPages.clip(info, PageSize.SIZE_4K)).isSameAs(info);
            assertThat(RegionPages.clip(info, PageSize.SIZE_16K).sparseAreas())
                    .containsExactly(new SparseArea(0x4000, 0x3C000), new SparseArea(0x80000, 0x80000));
            assertThat(RegionPages.clip(info, PageSize.SIZE_64K).sparseAreas())
                    .containsExactly(new SparseArea(0x10000, 0x30000), new SparseArea(0x80000, 0x80000));
            RegionInfo odd = RegionInfo.mappable(
                    0, 1 << 20, flags, new MappableFile(fd, 0x1000), List.of(new SparseArea(0, 1 << 20)));
            RegionInfo trapped = RegionPages.clip(odd, PageSize.SIZE_64K);
            assertThat(trapped.mappable()).isFalse();
            assertThat(trapped.flags()).isEqualTo(flags & ~Vfio.REGION_INFO_FLAG_MMAP);
            assertThat(trapped.sparseAreas()).isEmpty();
            assertThat(RegionPages.clip(odd, PageSize.SIZE_4K)).isSameAs(odd);
        }
    }

    private static void assertRefused(ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    /** A RamDevice served at one page size in a fresh directory. */
    private record Served(Path dir, RamDevice device, VfioUserServer server) implements AutoCloseable {
        static Served at(long page) throws Exception {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
            RamDevice device = new RamDevice();
            VfioUserServer server = VfioUserServer.start(
                    dir.resolve("s"),
                    device,
                    ServerOptions.defaults().withListener(ServerListener.NONE).withPageSize(PageSize.of(page)));
            return new Served(dir, device, server);
        }

        @Override
        public void close() throws Exception {
            server.close();
            device.close();
            Files.deleteIfExists(dir.resolve("s"));
            Files.deleteIfExists(dir);
        }
    }
}
