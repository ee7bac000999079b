package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.HandshakeException;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.transport.PeerCredentials;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Java client against the server in the same JVM, over a real socket. */
@Timeout(120)
class ServerClientTest {
    private Path dir;
    private RamDevice device;
    private VfioUserServer server;
    private final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        device = new RamDevice();
        ServerListener recorder = new ServerListener() {
            @Override
            public void connected(PeerCredentials peer) {
                events.add("connected");
            }

            @Override
            public void disconnected(PeerCredentials peer, String reason) {
                events.add("disconnected");
            }

            @Override
            public void refused(PeerCredentials peer, String reason) {
                events.add("refused: " + reason);
            }

            @Override
            public void reset() {
                events.add("reset");
            }
        };
        server = VfioUserServer.start(
                dir.resolve("s"), device, ServerOptions.defaults().withListener(recorder));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        device.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    static void awaitTrue(BooleanSupplier c) throws InterruptedException {
        for (int i = 0; i < 1000 && !c.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertThat(c.getAsBoolean()).isTrue();
    }

    @Test
    @DisplayName("VU-3.2 VU-8.1 VERSION: minor 0 accepted, capabilities a subset, QEMU limits respected")
    void vu_3_2_version() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            assertThat(c.serverMinor()).isZero();
            assertThat(c.serverCapabilities().maxMsgFds()).isBetween(1L, 16L);
            assertThat(c.serverCapabilities().maxDataXferSize()).isEqualTo(1 << 20);
            assertThat(c.serverCapabilities().maxDmaMaps()).isLessThanOrEqualTo(65535);
            assertThat(c.serverCapabilities().pgsizes()).isEqualTo(4096);
            assertThat(c.serverCapabilities().migration()).isFalse();
        }
    }

    @Test
    @DisplayName("VU-4.1 VU-4.2 VU-4.3 VU-4.4 device, region (caps + fd) and IRQ info")
    void vu_4_info() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            DeviceInfo info = c.deviceInfo();
            assertThat(info).isEqualTo(device.info());
            RegionInfo bar0 = c.regionInfo(0);
            assertThat(bar0.size()).isEqualTo(RamDevice.BAR0_SIZE);
            assertThat(bar0.mappable()).isTrue();
            assertThat(bar0.file()).isNotNull();
            assertThat(bar0.sparseAreas()).containsExactly(new SparseArea(4096, RamDevice.BAR0_SIZE - 4096));
            RegionInfo bar1 = c.regionInfo(1);
            assertThat(bar1.file()).isNull();
            assertThat(bar1.flags()).isEqualTo(Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE);
            assertThat(c.regionInfo(RamDevice.SPECIAL_REGION).type()).isEqualTo(RamDevice.SPECIAL_TYPE);
            assertThat(c.regionInfo(2).size()).isZero();
            IrqInfo msix = c.irqInfo(Vfio.PCI_MSIX_IRQ_INDEX);
            assertThat(msix.count()).isEqualTo(4);
            assertThatThrownBy(() -> c.regionInfo(10))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThatThrownBy(() -> c.irqInfo(5))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThat(c.deviceInfo()).isEqualTo(info); // still serving after errors
        }
    }

    @Test
    @DisplayName("VU-5.1 VU-4.2 a client-mapped region shows REGION_WRITE bytes and REGION_READ shows mapped writes")
    void vu_5_1_mapped_region_coherent() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            RegionInfo bar0 = c.regionInfo(0);
            try (MappedMemory map = VfioUserClient.mapRegion(bar0, 4096, 4096, true)) {
                c.write(0, 4096 + 16, new byte[] {1, 2, 3, 4, 5});
                assertThat(map.segment().asSlice(16, 5).toArray(ValueLayout.JAVA_BYTE))
                        .containsExactly(1, 2, 3, 4, 5);
                map.segment().asSlice(100, 3).copyFrom(MemorySegment.ofArray(new byte[] {9, 8, 7}));
                assertThat(c.read(0, 4096 + 100, 3)).containsExactly(9, 8, 7);
                assertThat(device.bar0().get(ValueLayout.JAVA_BYTE, 4096 + 101)).isEqualTo((byte) 8);
            }
            assertThat(c.write(1, 0x20, new byte[] {5, 6})).isEqualTo(2);
            assertThat(c.read(1, 0x20, 2)).containsExactly(5, 6);
            assertThat(c.read(7, 0, 2)).containsExactly(0x34, 0x12);
        }
    }

    @Test
    @DisplayName("VU-5.1 out-of-range accesses and oversized counts get errno replies")
    void vu_5_1_access_errors() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            assertThatThrownBy(() -> c.read(1, RamDevice.BAR1_SIZE - 2, 4))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThatThrownBy(() -> c.write(RamDevice.SPECIAL_REGION, 0, new byte[1]))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
            assertThatThrownBy(() -> c.read(77, 0, 4))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThat(c.read(1, 0, 4)).hasSize(4);
        }
    }

    @Test
    @DisplayName("VU-8.8 posted writes get no reply and are applied in order; WRITE_MULTI too")
    void vu_8_8_posted_writes() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            c.writePosted(1, 0x40, new byte[] {1});
            c.writePosted(1, 0x40, new byte[] {2});
            c.writePosted(77, 0, new byte[] {2}); // fails silently: no reply at all
            c.writeMultiple(List.of(
                    new VfioUserClient.SmallWrite(1, 0x50, new byte[] {3, 4}),
                    new VfioUserClient.SmallWrite(1, 0x58, new byte[] {5, 6, 7, 8, 9, 10, 11, 12})));
            // the next request's reply is the next thing on the stream: nothing came for the posted ones
            assertThat(c.read(1, 0x40, 1)).containsExactly(2);
            assertThat(c.read(1, 0x50, 2)).containsExactly(3, 4);
            assertThat(c.read(1, 0x58, 8)).containsExactly(5, 6, 7, 8, 9, 10, 11, 12);
        }
    }

    @Test
    @DisplayName("VU-6.1 VU-6.2 DMA through the client's memfd both ways; EEXIST on overlap; exact unmap")
    void vu_6_dma() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath());
                Fd mem = Memfd.create("guest", 1 << 20);
                MappedMemory guest = MappedMemory.map(mem, 0, 1 << 20, true)) {
            c.dmaMap(mem, 0x10000, 0x8000_0000L, 0x10000, true, true);
            assertThat(server.dmaWindows()).isEqualTo(1);
            for (int i = 0; i < 64; i++) {
                guest.segment().set(ValueLayout.JAVA_BYTE, 0x10000 + i, (byte) (i * 3));
            }
            ByteBuffer iova =
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x8000_0000L);
            c.write(1, 8, iova.array());
            c.write(1, 0, new byte[] {1}); // doorbell: device DMA-reads 64 bytes and writes them back +0x40
            assertThat(c.read(1, 4, 4)).containsExactly(0, 0, 0, 0);
            for (int i = 0; i < 64; i++) {
                assertThat(guest.segment().get(ValueLayout.JAVA_BYTE, 0x10040 + i))
                        .isEqualTo((byte) (i * 3));
            }
            // overlaps the window at 0x8000_0000; 64 KiB-aligned so that only the overlap is wrong on any page size
            assertThatThrownBy(() -> c.dmaMap(mem, 0, 0x7FFF_0000L, 0x20000, true, true))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
            assertThatThrownBy(() -> c.dmaUnmap(0x8000_0000L, 0x1000))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            c.dmaMap(null, 0, 0x1_0000_0000L, 0x10000, true, false); // no fd: message DMA, recorded only
            assertThat(server.dmaWindows()).isEqualTo(2);
            c.dmaUnmap(0x8000_0000L, 0x10000);
            c.write(1, 0, new byte[] {1});
            assertThat(ByteBuffer.wrap(c.read(1, 4, 4))
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .getInt())
                    .isEqualTo(Errno.EFAULT);
            c.dmaUnmapAll();
            assertThat(server.dmaWindows()).isZero();
            assertThatThrownBy(() -> c.dmaMap(mem, 0, 0x8000_0000L, 2 << 20, true, true)) // past the end of the file
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        }
    }

    @Test
    @DisplayName("VU-4.5 SET_IRQS eventfds reach the device, which fires them; disable-all releases them")
    void vu_4_5_irqs() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath());
                EventFd intx = EventFd.create();
                EventFd v0 = EventFd.create();
                EventFd v1 = EventFd.create()) {
            c.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(intx.fd()));
            c.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, 2, List.of(v0.fd(), v1.fd()));
            assertThat(device.eventfdsHeld()).isEqualTo(3);
            assertThat(device.raise(Vfio.PCI_MSIX_IRQ_INDEX, 3)).isTrue();
            assertThat(v1.await(Duration.ofSeconds(10))).isTrue();
            c.setIrqsNone(Vfio.PCI_INTX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_TRIGGER, 0, 1); // client-side trigger
            assertThat(intx.await(Duration.ofSeconds(10))).isTrue();
            c.setIrqs(
                    Vfio.PCI_MSIX_IRQ_INDEX,
                    Vfio.IRQ_SET_DATA_BOOL | Vfio.IRQ_SET_ACTION_TRIGGER,
                    2,
                    2,
                    new byte[] {1, 0},
                    null);
            assertThat(v0.await(Duration.ofSeconds(10))).isTrue();
            assertThatThrownBy(() -> c.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, 3, List.of(v0.fd(), v1.fd())))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            c.disableIrqs(Vfio.PCI_MSIX_IRQ_INDEX);
            assertThat(device.eventfdsHeld()).isEqualTo(1);
        }
        awaitTrue(() -> !server.clientAttached());
        assertThat(device.eventfdsHeld()).isZero();
    }

    @Test
    @DisplayName("VU-7.1 DEVICE_RESET resets the device and tells the listener")
    void vu_7_1_reset() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            c.write(1, 0x30, new byte[] {7});
            c.reset();
            assertThat(c.read(1, 0x30, 1)).containsExactly(0);
            assertThat(device.resets()).isEqualTo(1);
            assertThat(events).contains("reset");
        }
    }

    @Test
    @DisplayName("VU-1.4 disconnect detaches the device, drops DMA windows and keeps the device for the next client")
    void vu_1_4_disconnect_and_reconnect() throws Exception {
        try (Fd mem = Memfd.create("guest", 1 << 16)) {
            try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
                c.dmaMap(mem, 0, 0, 1 << 16, true, true);
                c.write(1, 0x80, new byte[] {42});
                assertThat(device.attached()).isTrue();
            }
            awaitTrue(() -> !server.clientAttached());
            assertThat(device.detaches()).isEqualTo(1);
            try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
                assertThat(c.read(1, 0x80, 1)).containsExactly(42);
                assertThat(server.dmaWindows()).isZero();
                c.dmaMap(mem, 0, 0, 1 << 16, true, true); // the old window is gone: no EEXIST
            }
        }
        awaitTrue(() -> events.stream().filter("disconnected"::equals).count() == 2);
    }

    @Test
    @DisplayName("VU-1.1 a second client while one is attached is refused with EBUSY; the first keeps working")
    void vu_1_1_second_client_refused() throws Exception {
        try (VfioUserClient first = VfioUserClient.connect(server.socketPath())) {
            assertThatThrownBy(() -> VfioUserClient.connect(server.socketPath()))
                    .isInstanceOfSatisfying(
                            HandshakeException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));
            assertThat(first.deviceInfo().numRegions()).isEqualTo(10);
            assertThat(events).anyMatch(e -> e.startsWith("refused"));
        }
        awaitTrue(() -> !server.clientAttached());
        try (VfioUserClient again = VfioUserClient.connect(server.socketPath())) {
            assertThat(again.deviceInfo().numIrqs()).isEqualTo(5);
        }
    }

    @Test
    @DisplayName("VU-1.3 peers whose uid is not allowed are refused with EPERM")
    void vu_1_3_uid_refused() throws Exception {
        server.close();
        server = VfioUserServer.start(
                dir.resolve("s"),
                device,
                ServerOptions.defaults().withAllowedUids(Set.of(-5)).withListener(ServerListener.NONE));
        assertThatThrownBy(() -> VfioUserClient.connect(server.socketPath()))
                .isInstanceOfSatisfying(
                        HandshakeException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
        assertThat(device.attaches()).isZero();
    }

    @Test
    @DisplayName("server close detaches the device of an attached client and removes the socket")
    void close_detaches() throws Exception {
        VfioUserClient c = VfioUserClient.connect(server.socketPath());
        awaitTrue(device::attached);
        server.close();
        assertThat(device.attached()).isFalse();
        assertThat(Files.exists(dir.resolve("s"))).isFalse();
        assertThatThrownBy(c::deviceInfo).isInstanceOf(IOException.class);
        c.close();
    }
}
