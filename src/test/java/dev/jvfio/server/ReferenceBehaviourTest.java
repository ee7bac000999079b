package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.sample.SampleDevice;
import dev.jvfio.transport.UnixConnection;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reference behaviours of docs/reference/vfio-user.md that are about the server as a whole
 * (as opposed to one codec or one device), each checked over a real socket.
 */
@Timeout(120)
class ReferenceBehaviourTest {
    private static final int CFG = Vfio.PCI_CONFIG_REGION_INDEX;
    private static final Duration IRQ_WAIT = Duration.ofSeconds(10);

    private Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void dir() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    private VfioUserServer serve(VfioDevice device) throws Exception {
        closing(device);
        return closing(VfioUserServer.start(dir.resolve("s" + toClose.size()), device, ServerOptions.defaults()));
    }

    @Test
    @DisplayName("VU-1.2 twin-socket mode is not offered, even when the client proposes it (QEMU has none, VU-8.5)")
    void vu_1_2_noTwinSocket() throws Exception {
        VfioUserServer server = serve(SampleDevice.create("sample"));
        byte[] json = "{\"capabilities\":{\"max_msg_fds\":8,\"twin_socket\":{\"supported\":true}}}"
                .getBytes(StandardCharsets.UTF_8);
        int size = Header.SIZE + 4 + json.length + 1;
        try (Arena arena = Arena.ofConfined();
                UnixConnection conn = UnixConnection.connect(server.socketPath())) {
            MemorySegment msg = arena.allocate(size);
            Header.request(msg, 1, Command.VERSION, size, false);
            msg.set(ValueLayout.JAVA_SHORT_UNALIGNED, Header.SIZE, (short) 0);
            msg.set(ValueLayout.JAVA_SHORT_UNALIGNED, Header.SIZE + 2, (short) 1);
            MemorySegment.copy(json, 0, msg, ValueLayout.JAVA_BYTE, Header.SIZE + 4, json.length);
            conn.send(msg);

            MemorySegment header = arena.allocate(Header.SIZE);
            List<Fd> fds = new ArrayList<>();
            conn.receiveFully(header, fds, 4);
            assertThat(Header.isReply(header)).isTrue();
            assertThat(Header.isError(header)).isFalse();
            assertThat(fds)
                    .as("twin socket mode passes a socket fd in the VERSION reply")
                    .isEmpty();
            MemorySegment body = arena.allocate(Header.size(header) - Header.SIZE);
            conn.receiveFully(body, fds, 4);
            assertThat(fds).isEmpty();
            String text = body.asSlice(4).getString(0, StandardCharsets.UTF_8);
            JsonNode caps = new ObjectMapper().readTree(text).path("capabilities");
            assertThat(caps.isObject()).as("reply capabilities: %s", text).isTrue();
            assertThat(caps.path("twin_socket").path("supported").asBoolean(false))
                    .as("reply capabilities: %s", text)
                    .isFalse();
        }
    }

    @Test
    @DisplayName("VU-5.2 VU-8.7 region reads return exactly the requested count; regions <= 100, IRQ vectors <= 50")
    void vu_5_2_exactReadCounts() throws Exception {
        VfioDevice gpu = DeviceProfiles.create(GpuOptions.defaults().withMemorySize(2L << 30));
        VfioUserServer server = serve(gpu);
        VfioUserClient c = closing(VfioUserClient.connect(server.socketPath()));
        DeviceInfo info = c.deviceInfo();
        assertThat(info.numRegions()).isBetween(Vfio.PCI_NUM_REGIONS, 100);
        for (int i = 0; i < info.numIrqs(); i++) {
            IrqInfo irq = c.irqInfo(i);
            assertThat(irq.count()).as("IRQ index %d", i).isLessThanOrEqualTo(50);
        }
        Random random = new Random(0x5EED_0502L);
        long bar4 = c.regionInfo(Vfio.PCI_BAR4_REGION_INDEX).size();
        try (Arena arena = Arena.ofConfined()) {
            for (int round = 0; round < 200; round++) {
                int count = 1 + random.nextInt(8);
                long cfgOffset = random.nextInt(4096 - count + 1);
                MemorySegment dst = arena.allocate(count);
                assertThat(c.read(CFG, cfgOffset, dst))
                        .as("config read %d at %d", count, cfgOffset)
                        .isEqualTo(count);
                // BAR4 (usemem): anywhere in the BAR, including the all-ones tail past the memory.
                int bulk = 1 + random.nextInt(4096);
                long barOffset = Math.floorMod(random.nextLong(), bar4 - bulk + 1);
                MemorySegment big = arena.allocate(bulk);
                assertThat(c.read(Vfio.PCI_BAR4_REGION_INDEX, barOffset, big))
                        .as("BAR4 read %d at 0x%x", bulk, barOffset)
                        .isEqualTo(bulk);
            }
        }
    }

    @Test
    @DisplayName("VU-5.3 writes through a client's mapping need no message: the server sees them at once")
    void vu_5_3_mappedWritesAreSeen() throws Exception {
        VfioUserServer server = serve(SampleDevice.create("sample"));
        VfioUserClient c = closing(VfioUserClient.connect(server.socketPath()));
        c.write(CFG, PciHeader.COMMAND, new byte[] {PciHeader.COMMAND_MEMORY, 0});
        RegionInfo bar0 = c.regionInfo(0);
        try (MappedMemory m = VfioUserClient.mapRegion(bar0, 0, SampleDevice.RAM_SIZE, true)) {
            for (int i = 0; i < 16; i++) {
                m.segment().set(ValueLayout.JAVA_BYTE, 0x40L * i, (byte) (0xA0 + i));
                assertThat(c.read(0, 0x40L * i, 1)[0]).isEqualTo((byte) (0xA0 + i));
            }
        }
    }

    @Test
    @DisplayName(
            "VU-6.3 DMA to client memory mapped without an fd from the session thread fails with EFAULT at once (no message while a reply is pending, VU-8.5)")
    void vu_6_3_messageDmaIsRefused() throws Exception {
        RamDevice device = new RamDevice();
        VfioUserServer server = serve(device);
        VfioUserClient c = closing(VfioUserClient.connect(server.socketPath()));
        c.dmaMap(null, 0, 0x4000_0000L, 0x10000, true, true);
        assertThat(server.dmaWindows()).isEqualTo(1);
        c.write(
                1,
                8,
                ByteBuffer.allocate(8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(0x4000_0000L)
                        .array());
        c.write(1, 0, new byte[] {1}); // RamDevice's doorbell: DMA-read 64 bytes, write them back
        assertThat(ByteBuffer.wrap(c.read(1, 4, 4))
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getInt())
                .isEqualTo(Errno.EFAULT);
        // The same window with an fd works.
        c.dmaUnmap(0x4000_0000L, 0x10000);
        try (Fd mem = Memfd.create("guest", 0x10000)) {
            c.dmaMap(mem, 0, 0x4000_0000L, 0x10000, true, true);
            c.write(1, 0, new byte[] {1});
            assertThat(ByteBuffer.wrap(c.read(1, 4, 4))
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .getInt())
                    .isZero();
        }
    }

    @Test
    @DisplayName(
            "VU-8.6 raising INTx sets Status.Interrupt; with Command.INTx-disable set the status bit still shows and no interrupt fires")
    void vu_8_6_intxStatusAndDisable() throws Exception {
        VfioUserServer server = serve(SampleDevice.create("sample"));
        VfioUserClient c = closing(VfioUserClient.connect(server.socketPath()));
        EventFd intx = closing(EventFd.create());
        c.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(intx.fd()));
        int command = PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_INTX_DISABLE;
        c.write(CFG, PciHeader.COMMAND, new byte[] {(byte) command, (byte) (command >> 8)});
        c.write(0, SampleDevice.DOORBELL, new byte[4]);
        assertThat(status(c) & PciHeader.STATUS_INTERRUPT).isNotZero();
        assertThat(intx.await(Duration.ofMillis(300)))
                .as("INTx-disable masks the line")
                .isFalse();
        // Clearing INTx-disable while the line is asserted delivers it.
        command = PciHeader.COMMAND_MEMORY;
        c.write(CFG, PciHeader.COMMAND, new byte[] {(byte) command, 0});
        assertThat(intx.await(IRQ_WAIT)).isTrue();
    }

    @Test
    @DisplayName(
            "VU-8.9 INTx re-arms on SET_IRQS UNMASK; a client that just closes its socket leaves no DMA window or eventfd behind")
    void vu_8_9_unmaskAndCleanupOnClose() throws Exception {
        VfioUserServer sampleServer = serve(SampleDevice.create("sample"));
        VfioUserClient c = closing(VfioUserClient.connect(sampleServer.socketPath()));
        EventFd intx = closing(EventFd.create());
        c.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(intx.fd()));
        c.write(CFG, PciHeader.COMMAND, new byte[] {PciHeader.COMMAND_MEMORY, 0});
        c.write(0, SampleDevice.DOORBELL, new byte[4]);
        assertThat(intx.await(IRQ_WAIT)).isTrue();
        c.write(0, SampleDevice.INTX_ACK, new byte[] {1, 0, 0, 0});
        c.write(0, SampleDevice.DOORBELL, new byte[4]);
        assertThat(intx.await(Duration.ofMillis(300)))
                .as("automasked until UNMASK")
                .isFalse();
        c.setIrqsNone(Vfio.PCI_INTX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_UNMASK, 0, 1);
        assertThat(intx.await(IRQ_WAIT)).as("UNMASK delivers the pending line").isTrue();

        RamDevice ram = new RamDevice();
        VfioUserServer ramServer = serve(ram);
        try (Fd mem = Memfd.create("guest", 1 << 20);
                EventFd e0 = EventFd.create();
                EventFd e1 = EventFd.create()) {
            VfioUserClient q = VfioUserClient.connect(ramServer.socketPath());
            q.dmaMap(mem, 0, 0, 1 << 20, true, true);
            q.dmaMap(null, 0, 1L << 32, 1 << 20, true, false);
            q.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, 0, List.of(e0.fd(), e1.fd()));
            assertThat(ramServer.dmaWindows()).isEqualTo(2);
            assertThat(ram.eventfdsHeld()).isEqualTo(2);
            q.close(); // no DMA_UNMAP, no SET_IRQS disable: like QEMU at guest power-off
            ServerClientTest.awaitTrue(() -> !ramServer.clientAttached());
            assertThat(ramServer.dmaWindows()).isZero();
            assertThat(ram.eventfdsHeld()).isZero();
        }
    }

    private static int status(VfioUserClient c) throws Exception {
        return ByteBuffer.wrap(c.read(CFG, PciHeader.STATUS, 2))
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getShort()
                & 0xFFFF;
    }
}
