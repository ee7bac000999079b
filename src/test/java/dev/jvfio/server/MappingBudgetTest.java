package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Errno;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The process's budget of mmap'ed DMA windows and their bytes (VU-6.1): each client takes at most a
 * quarter, all clients of all servers sharing the budget together at most all of it, and what a
 * client gives back (unmap, disconnect) is free again. Each test has a small budget of its own.
 */
@Timeout(60)
class MappingBudgetTest {

    @Test
    @DisplayName("VU-6.1 one client holds at most a quarter of the windows (ENOSPC) and of the bytes (ENOMEM)")
    void vu_6_1_client_share() {
        MappingBudget budget = new MappingBudget(8, 4096);
        MappingBudget.Share a = budget.share();
        assertThat(a.take(1000)).isZero();
        assertThat(a.take(25)).as("1025 bytes: more than a quarter of 4096").isEqualTo(Errno.ENOMEM);
        assertThat(a.take(24)).isZero();
        assertThat(a.take(0)).as("a third window: more than a quarter of 8").isEqualTo(Errno.ENOSPC);
        assertThat(a.windows()).isEqualTo(2);
        assertThat(budget.mappingsInUse()).isEqualTo(2);
        assertThat(budget.bytesInUse()).isEqualTo(1024);
        a.giveBack(24);
        assertThat(a.take(24)).as("given back, free again").isZero();
    }

    @Test
    @DisplayName("VU-6.1 all clients together stay within the budget: a fifth client finds it used up")
    void vu_6_1_process_budget() {
        MappingBudget budget = new MappingBudget(8, 1 << 20);
        List<MappingBudget.Share> shares = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            MappingBudget.Share s = budget.share();
            assertThat(s.take(100)).isZero();
            assertThat(s.take(100)).isZero();
            shares.add(s);
        }
        MappingBudget.Share fifth = budget.share();
        assertThat(fifth.take(100)).isEqualTo(Errno.ENOSPC);
        assertThat(budget.mappingsInUse()).as("nothing charged for the refusal").isEqualTo(8);
        shares.getFirst().giveBack(100);
        assertThat(fifth.take(100)).isZero();

        MappingBudget bytes = new MappingBudget(1000, 4000);
        for (int i = 0; i < 4; i++) {
            assertThat(bytes.share().take(1000)).isZero();
        }
        assertThat(bytes.share().take(1)).isEqualTo(Errno.ENOMEM);
        assertThat(bytes.bytesInUse()).isEqualTo(4000);
        assertThat(bytes.mappingsInUse())
                .as("the refused window is not counted")
                .isEqualTo(4);
    }

    @Test
    @DisplayName("VU-3.3 the window cap announced is the configured max_dma_maps held to the client's share")
    void vu_3_3_window_cap() {
        MappingBudget budget = new MappingBudget(400, 1 << 20);
        assertThat(budget.windowCap(65535)).isEqualTo(100);
        assertThat(budget.windowCap(10)).isEqualTo(10);
        assertThat(MappingBudget.ofThisProcess().clientMappings())
                .as("a quarter of half vm.max_map_count")
                .isGreaterThanOrEqualTo(64);
    }

    @Test
    @DisplayName(
            "VU-6.1 VU-1.4 servers sharing a budget charge it together; a client's windows come back when it leaves")
    void vu_6_1_servers_share_one_budget() throws Exception {
        MappingBudget budget = new MappingBudget(400, 1L << 40);
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        ServerOptions options = ServerOptions.defaults().withListener(ServerListener.NONE);
        try (RamDevice a = new RamDevice();
                RamDevice b = new RamDevice();
                VfioUserServer sa = VfioUserServer.start(dir.resolve("a"), a, options, budget);
                VfioUserServer sb = VfioUserServer.start(dir.resolve("b"), b, options, budget);
                Fd memfd = Memfd.create("guest", 1 << 16);
                VfioUserClient cb = VfioUserClient.connect(sb.socketPath())) {
            try (VfioUserClient ca = VfioUserClient.connect(sa.socketPath())) {
                ca.dmaMap(memfd, 0, 0x10000, 1 << 16, true, true);
                ca.dmaMap(null, 0, 0x40000, 1 << 16, true, true);
                cb.dmaMap(memfd, 0, 0x10000, 1 << 16, true, true);
                assertThat(budget.mappingsInUse()).as("fd-backed windows only").isEqualTo(2);
                assertThat(budget.bytesInUse()).isEqualTo(2L << 16);
            }
            ServerClientTest.awaitTrue(() -> !sa.clientAttached());
            assertThat(budget.mappingsInUse()).isEqualTo(1);
            cb.dmaUnmap(0x10000, 1 << 16);
            assertThat(budget.mappingsInUse()).isZero();
            assertThat(budget.bytesInUse()).isZero();
        } finally {
            Files.deleteIfExists(dir.resolve("a"));
            Files.deleteIfExists(dir.resolve("b"));
            Files.deleteIfExists(dir);
        }
    }
}
