package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.Errno;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.os.PageSize;
import dev.jvfio.protocol.Capabilities;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DmaMapMessage;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.VersionMessage;
import dev.jvfio.transport.UnixConnection;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The max_dma_maps a VERSION reply announces is the cap the session enforces: not the configured
 * 65535 when the process's mapping budget only gives one client a share of it (else a client told
 * 65535 is refused an fd-backed map long before), and never more than the client proposed
 * (VU-3.2). The server has a small budget of its own, so the share is a few windows.
 */
class AnnouncedLimitsTest {
    /** Mappings of the test's budget: a client's share is a quarter, 12. */
    private static final int BUDGET_MAPPINGS = 48;

    private Path dir;
    private RamDevice device;
    private VfioUserServer server;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        device = new RamDevice();
        server = VfioUserServer.start(
                dir.resolve("s"),
                device,
                ServerOptions.defaults().withListener(ServerListener.NONE),
                new MappingBudget(BUDGET_MAPPINGS, 1L << 40));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        device.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    @Test
    @DisplayName(
            "VU-3.3 the announced max_dma_maps is the per-client cap: that many fd-backed maps succeed, one more is ENOSPC")
    void vu_3_3_announced_max_dma_maps_is_enforced_exactly() throws Exception {
        long expected = BUDGET_MAPPINGS / 4;
        long page = PageSize.system().bytes();
        try (Fd memfd = Memfd.create("announced", page);
                VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            long announced = c.serverCapabilities().maxDmaMaps();
            assertThat(announced).isEqualTo(expected);
            for (long i = 0; i < announced; i++) {
                c.dmaMap(memfd, 0, (i + 1) * page, page, true, true);
            }
            assertThat(server.dmaWindows()).isEqualTo((int) announced);
            assertThatThrownBy(() -> c.dmaMap(memfd, 0, (announced + 1) * page, page, true, true))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC));
            c.dmaUnmapAll();
        }
    }

    @Test
    @DisplayName("VU-3.2 max_dma_maps in the VERSION reply is no more than the client proposed, and is enforced")
    void vu_3_2_reply_max_dma_maps_at_most_the_proposal() throws Exception {
        try (Arena arena = Arena.ofConfined();
                UnixConnection conn = UnixConnection.connect(server.socketPath())) {
            MemorySegment buf = arena.allocate(4096, 8);
            Capabilities proposal = new Capabilities(1, 1 << 20, 3, Capabilities.DEFAULT_PGSIZES, false, false);
            conn.send(buf.asSlice(0, VersionMessage.encode(buf, 1, false, VersionMessage.MAJOR, 0, proposal)));
            MemorySegment reply = receive(conn, buf);
            VersionMessage version = new VersionMessage();
            assertThat(version.wrap(reply)).isZero();
            assertThat(version.capabilities().maxDmaMaps()).isEqualTo(3);

            for (int i = 0; i < 4; i++) {
                int n = DmaMapMessage.encode(buf, 2 + i, DmaMapMessage.FLAG_READ, 0, (long) (i + 1) << 16, 1 << 16);
                conn.send(buf.asSlice(0, n));
                MemorySegment r = receive(conn, buf);
                assertThat(Header.command(r)).isEqualTo(Command.DMA_MAP);
                assertThat(Header.error(r)).as("map %d", i + 1).isEqualTo(i < 3 ? 0 : Errno.ENOSPC);
            }
            assertThat(server.dmaWindows()).isEqualTo(3);
        }
    }

    private static MemorySegment receive(UnixConnection conn, MemorySegment buf) throws Exception {
        conn.receiveFully(buf.asSlice(0, Header.SIZE), new ArrayList<>(), 0);
        long size = Header.size(buf);
        assertThat(size).isBetween((long) Header.SIZE, buf.byteSize());
        if (size > Header.SIZE) {
            conn.receiveFully(buf.asSlice(Header.SIZE, size - Header.SIZE), new ArrayList<>(), 0);
        }
        return buf.asSlice(0, size);
    }
}
