package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.DmaFault;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The device hears of the client's DMA windows as libvfio-user's dma_register/dma_unregister
 * callbacks tell theirs: each window once it is mapped, before DMA_MAP is answered; each window
 * before it goes away (while the device can still reach it), by DMA_UNMAP, DMA_UNMAP ALL or the
 * client leaving, and on leaving before the device is detached.
 */
@Timeout(60)
class DmaNotificationTest {
    private static final long PAGE = 4096;

    private Path dir;
    private RamDevice ram;
    private RecordingDevice device;
    private VfioUserServer server;
    private Fd memfd;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        ram = new RamDevice();
        device = new RecordingDevice(ram);
        server = VfioUserServer.start(
                dir.resolve("s"), device, ServerOptions.defaults().withListener(ServerListener.NONE));
        memfd = Memfd.create("guest", 16 * PAGE);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        ram.close();
        memfd.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    @Test
    @DisplayName(
            "VU-6.1 the device hears of each window the client maps, with its access, before the map is answered; not of refused maps")
    void vu_6_1_device_hears_of_each_mapped_window() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            c.dmaMap(memfd, 0, 0x10000, 2 * PAGE, true, true);
            assertThat(device.events).containsExactly("mapped 0x10000+0x2000 rw");
            c.dmaMap(null, 0, 0x40000, PAGE, true, false);
            assertThat(device.events).containsExactly("mapped 0x10000+0x2000 rw", "mapped 0x40000+0x1000 r-");
            assertThatThrownBy(() -> c.dmaMap(memfd, 0, 0x11000, PAGE, true, true))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
            assertThat(device.events).as("a refused map is not announced").hasSize(2);
        }
    }

    @Test
    @DisplayName(
            "VU-6.2 the device hears of an unmap while it can still reach the window; after the reply the window faults")
    void vu_6_2_device_hears_of_unmap_before_the_window_goes() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            c.dmaMap(memfd, 0, 0x10000, PAGE, true, true);
            assertThatThrownBy(() -> c.dmaUnmap(0x10000, 2 * PAGE))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThat(device.events).as("no window matches: nothing announced").hasSize(1);
            c.dmaUnmap(0x10000, PAGE);
            assertThat(device.events).containsExactly("mapped 0x10000+0x1000 rw", "unmapping 0x10000+0x1000 reachable");
            assertThatThrownBy(() -> device.dma.read(0x10000, MemorySegment.ofArray(new byte[1])))
                    .isInstanceOfSatisfying(
                            DmaFault.class, f -> assertThat(f.kind()).isEqualTo(DmaFault.Kind.NOT_MAPPED));
        }
    }

    @Test
    @DisplayName("VU-6.2 DMA_UNMAP with the ALL flag: the device hears of every window, in address order")
    void vu_6_2_unmap_all_tells_of_every_window() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            c.dmaMap(memfd, PAGE, 0x30000, PAGE, true, true);
            c.dmaMap(memfd, 0, 0x10000, PAGE, true, false);
            c.dmaMap(memfd, 2 * PAGE, 0x20000, PAGE, true, true);
            device.events.clear();
            c.dmaUnmapAll();
            assertThat(device.events)
                    .containsExactly(
                            "unmapping 0x10000+0x1000 reachable",
                            "unmapping 0x20000+0x1000 reachable",
                            "unmapping 0x30000+0x1000 reachable");
            assertThat(server.dmaWindows()).isZero();
        }
    }

    @Test
    @DisplayName(
            "VU-1.4 a client that leaves without unmapping: the device hears of every window it held, then is detached")
    void vu_1_4_disconnect_tells_of_every_window_then_detaches() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            c.dmaMap(memfd, 0, 0x10000, PAGE, true, true);
            c.dmaMap(memfd, PAGE, 0x20000, PAGE, true, true);
            device.events.clear();
        }
        ServerClientTest.awaitTrue(() -> !server.clientAttached());
        assertThat(device.events)
                .containsExactly("unmapping 0x10000+0x1000 reachable", "unmapping 0x20000+0x1000 reachable", "detach");
    }

    @Test
    @DisplayName(
            "VU-6.1 VU-6.2 a device that throws from its DMA callbacks changes nothing: the map stands, the unmap goes ahead")
    void vu_6_1_throwing_callbacks_change_nothing() throws Exception {
        device.fail = true;
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            c.dmaMap(memfd, 0, 0x10000, PAGE, true, true);
            assertThat(server.dmaWindows()).isEqualTo(1);
            device.dma.write(0x10000, MemorySegment.ofArray(new byte[] {5}));
            c.dmaUnmap(0x10000, PAGE);
            assertThat(server.dmaWindows()).isZero();
            assertThat(c.deviceInfo()).as("the session goes on").isEqualTo(ram.info());
            assertThat(device.events).containsExactly("mapped 0x10000+0x1000 rw", "unmapping 0x10000+0x1000 reachable");
        }
    }

    /**
     * A {@link RamDevice} that records the DMA callbacks and detach, and checks on each unmapping
     * whether the window's first byte can still be read (every window the tests map with an fd
     * is readable).
     */
    static final class RecordingDevice extends ForwardingDevice {
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile DmaSpace dma = DmaSpace.NONE;
        volatile boolean fail;

        RecordingDevice(RamDevice ram) {
            super(ram);
        }

        @Override
        public void dmaMapped(long iova, long size, boolean readable, boolean writable) {
            events.add("mapped 0x" + Long.toHexString(iova) + "+0x" + Long.toHexString(size) + " "
                    + (readable ? "r" : "-") + (writable ? "w" : "-"));
            if (fail) {
                throw new IllegalStateException("device refuses to hear of maps");
            }
        }

        @Override
        public void dmaUnmapping(long iova, long size) {
            String reach;
            try {
                dma.read(iova, MemorySegment.ofArray(new byte[1]));
                reach = "reachable";
            } catch (VfioException e) {
                reach = "gone";
            }
            events.add("unmapping 0x" + Long.toHexString(iova) + "+0x" + Long.toHexString(size) + " " + reach);
            if (fail) {
                throw new IllegalStateException("device refuses to hear of unmaps");
            }
        }

        @Override
        public void attach(DmaSpace space) {
            dma = space;
            ram.attach(space);
        }

        @Override
        public void detach() {
            events.add("detach");
            dma = DmaSpace.NONE;
            ram.detach();
        }
    }
}
