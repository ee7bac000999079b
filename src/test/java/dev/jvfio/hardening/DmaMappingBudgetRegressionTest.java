package dev.jvfio.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.ServeChild;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.Errno;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Found while hardening: one client mapping its announced max_dma_maps (65535) DMA windows pushed
 * the server process past vm.max_map_count (65530 mappings); the JVM could then not commit memory
 * and aborted ("Native memory allocation (mmap) failed"), taking every device of the process down.
 * The server runs as a child process here, so a regression fails this test instead of the suite.
 */
class DmaMappingBudgetRegressionTest {
    @Test
    @DisplayName("VU-6.1 a client mapping DMA windows until refused gets ENOSPC; the server process and its other "
            + "device live on, the other device's client can still map, and the windows come back when the client "
            + "leaves")
    void vu_6_1_dma_windows_cannot_exhaust_the_process_mappings() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvmaps");
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("b.sock");
        Process server = serve(dir, a, b);
        try {
            long pid = server.pid();
            int mapsAtStart = maps(pid);
            int mapped = 0;
            int errno = 0;
            try (Fd memfd = Memfd.create("budget", 1 << 16);
                    VfioUserClient c = VfioUserClient.connect(a)) {
                for (int i = 0; i < 65535; i++) {
                    try {
                        // same file offset every time, so the kernel cannot merge the mappings
                        c.dmaMap(memfd, 0, (long) (i + 1) << 16, 4096, true, true);
                        mapped++;
                    } catch (VfioUserException e) {
                        errno = e.errno();
                        break;
                    }
                }
                System.out.printf(
                        "DMA budget: %d windows mapped before errno %d; server mappings %d at start, %d now%n",
                        mapped, errno, mapsAtStart, maps(pid));
                assertThat(errno).as("the window that does not fit is refused").isEqualTo(Errno.ENOSPC);
                try (VfioUserClient other = VfioUserClient.connect(b)) {
                    other.write(Vfio.PCI_BAR4_REGION_INDEX, 0, new byte[] {1, 2, 3});
                    assertThat(other.read(Vfio.PCI_BAR4_REGION_INDEX, 0, 3)).isEqualTo(new byte[] {1, 2, 3});
                    // one client takes at most a share: the other device's client can still map
                    for (int i = 0; i < 100; i++) {
                        other.dmaMap(memfd, 0, (long) (i + 1) << 20, 4096, true, true);
                    }
                }
                assertThat(c.deviceInfo().numRegions())
                        .as("the mapping client is still served")
                        .isGreaterThanOrEqualTo(Vfio.PCI_NUM_REGIONS);
            }
            assertThat(server.isAlive()).isTrue();
            try (Fd memfd = Memfd.create("budget", 1 << 16);
                    VfioUserClient other = Reconnect.whenFree(b)) {
                other.dmaMap(memfd, 0, 1 << 20, 4096, true, true);
            }
            assertThat(server.isAlive()).isTrue();
        } finally {
            server.destroyForcibly();
            server.waitFor();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * Found next: a client that mapped ~1 TiB windows of a sparse memfd, then smaller ones, until
     * mmap failed, used up the process's 128 TiB of address space; the next session thread of the
     * OTHER device could not get a stack, its accept thread died of OutOfMemoryError and that
     * device never answered again.
     */
    @Test
    @DisplayName("VU-6.1 DMA windows cannot use up the server's address space: the other device still takes clients")
    void vu_6_1_dma_windows_cannot_exhaust_the_address_space() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvva");
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("b.sock");
        Process server = serve(dir, a, b);
        try {
            long tib = 1L << 40;
            int mapped = 0;
            long iova = 0;
            try (Fd memfd = Memfd.create("va", tib);
                    VfioUserClient c = VfioUserClient.connect(a)) {
                for (int shift = 40; shift >= 12; shift--) {
                    for (int k = 0; k < 200; k++) {
                        try {
                            c.dmaMap(memfd, 0, iova, 1L << shift, true, true);
                            iova += 2 * tib;
                            mapped++;
                        } catch (VfioUserException e) {
                            break;
                        }
                    }
                }
                System.out.printf("address space: %d DMA windows mapped%n", mapped);
                CompletableFuture<byte[]> other = CompletableFuture.supplyAsync(() -> {
                    try (VfioUserClient o = VfioUserClient.connect(b)) {
                        o.dmaMap(memfd, 0, 0, tib, true, true); // a share of address space is left for it
                        o.write(Vfio.PCI_BAR4_REGION_INDEX, 0, new byte[] {7});
                        return o.read(Vfio.PCI_BAR4_REGION_INDEX, 0, 1);
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                });
                // generous: only a dead accept thread takes this long
                assertThat(other.get(60, TimeUnit.SECONDS)).isEqualTo(new byte[] {7});
            }
            assertThat(server.isAlive()).isTrue();
        } finally {
            server.destroyForcibly();
            server.waitFor();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    static int maps(long pid) throws Exception {
        try (Stream<String> l = Files.lines(Path.of("/proc/" + pid + "/maps"))) {
            return (int) l.count();
        }
    }

    static Process serve(Path dir, Path a, Path b) throws Exception {
        return ServeChild.serveUntilReady(
                dir.resolve("serve.log"),
                List.of("-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + dir.resolve("hs_err.log")),
                "--socket",
                a.toString(),
                "--socket",
                b.toString(),
                "--mem-size",
                "2816M");
    }
}
