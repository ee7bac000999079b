package dev.jvfio.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.Errno;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.pci.VfioPciDevice;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The sample function served over a real UNIX socket and driven by the Java client (PCI-9.x). */
class SampleDeviceSocketTest {
    static final int CFG = Vfio.PCI_CONFIG_REGION_INDEX;
    /** Generous: only a broken interrupt path waits this long; nothing asserts on time. */
    static final Duration IRQ_WAIT = Duration.ofSeconds(10);

    Path dir;
    VfioPciDevice device;
    VfioUserServer server;
    VfioUserClient client;
    final List<EventFd> eventfds = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        device = SampleDevice.create("sample");
        server = VfioUserServer.start(dir.resolve("s"), device, ServerOptions.defaults());
        client = VfioUserClient.connect(dir.resolve("s"));
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (device != null) {
            device.close();
        }
        eventfds.forEach(EventFd::close);
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    int read32(int region, long offset) throws Exception {
        return ByteBuffer.wrap(client.read(region, offset, 4))
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
    }

    int read16(int region, long offset) throws Exception {
        return ByteBuffer.wrap(client.read(region, offset, 2))
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getShort()
                & 0xFFFF;
    }

    void write32(int region, long offset, int v) throws Exception {
        client.write(
                region,
                offset,
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    void write16(int region, long offset, int v) throws Exception {
        client.write(
                region,
                offset,
                ByteBuffer.allocate(2)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putShort((short) v)
                        .array());
    }

    void memoryDecode(boolean on) throws Exception {
        write16(CFG, PciHeader.COMMAND, on ? PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER : 0);
    }

    static void assertErrno(ThrowingCallable call, int errno) {
        assertThatThrownBy(call)
                .isInstanceOf(VfioUserException.class)
                .extracting(e -> ((VfioUserException) e).errno())
                .isEqualTo(errno);
    }

    @Test
    @DisplayName("PCI-9.1 the client sizes BAR0 through config space and sees its size in region info")
    void pci_9_1_barSizing() throws Exception {
        assertThat(client.deviceInfo().numRegions()).isEqualTo(9);
        assertThat(read32(CFG, 0)).isEqualTo(SampleDevice.DEVICE_ID << 16 | SampleDevice.VENDOR_ID);
        write32(CFG, 0x10, -1);
        write32(CFG, 0x14, -1);
        assertThat(read32(CFG, 0x10)).isEqualTo(0xFFFF_C004);
        assertThat(read32(CFG, 0x14)).isEqualTo(0xFFFF_FFFF);
        assertThat(client.regionInfo(0).size()).isEqualTo(SampleDevice.BAR0_SIZE);
        assertThat(client.regionInfo(1).size()).isZero();
        assertThat(client.regionInfo(CFG).size()).isEqualTo(4096);
    }

    @Test
    @DisplayName("PCI-9.1 BAR0 access fails with EIO after the client clears memory decode")
    void pci_9_1_gating() throws Exception {
        assertErrno(() -> client.read(0, SampleDevice.ID, 4), Errno.EIO);
        memoryDecode(true);
        assertThat(read32(0, SampleDevice.ID)).isEqualTo(SampleDevice.ID_VALUE);
        memoryDecode(false);
        assertErrno(() -> client.read(0, SampleDevice.ID, 4), Errno.EIO);
        assertErrno(() -> client.write(0, SampleDevice.SCRATCH, new byte[4]), Errno.EIO);
    }

    @Test
    @DisplayName("PCI-9.1 FLR through DEVCTL resets config space and the device registers; DEVICE_RESET too")
    void pci_9_1_flr() throws Exception {
        memoryDecode(true);
        write32(0, SampleDevice.SCRATCH, 0x1234_5678);
        assertThat(read32(0, SampleDevice.SCRATCH)).isEqualTo(0x1234_5678);
        int exp = device.capabilities().find(PciHeader.CAP_ID_EXP).orElseThrow();
        assertThat(read32(CFG, exp + 4) & (1 << 28)).isNotZero();
        write16(CFG, exp + 8, read16(CFG, exp + 8) | 0x8000);
        assertThat(read16(CFG, PciHeader.COMMAND)).isZero();
        assertErrno(() -> client.read(0, SampleDevice.SCRATCH, 4), Errno.EIO);
        memoryDecode(true);
        assertThat(read32(0, SampleDevice.SCRATCH)).isZero();
        assertThat(read32(0, SampleDevice.RESETS)).isEqualTo(1);
        client.reset();
        assertThat(read16(CFG, PciHeader.COMMAND)).isZero();
        memoryDecode(true);
        assertThat(read32(0, SampleDevice.RESETS)).isEqualTo(2);
    }

    @Test
    @DisplayName("PCI-9.1 an MSI-X interrupt raised by a doorbell write arrives on the client's eventfd")
    void pci_9_1_msixInterrupt() throws Exception {
        List<Fd> fds = new ArrayList<>();
        for (int i = 0; i < SampleDevice.MSIX_VECTORS; i++) {
            EventFd e = EventFd.create();
            eventfds.add(e);
            fds.add(e.fd());
        }
        assertThat(client.irqInfo(Vfio.PCI_MSIX_IRQ_INDEX).count()).isEqualTo(SampleDevice.MSIX_VECTORS);
        client.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, 0, fds);
        int msix = device.capabilities().find(PciHeader.CAP_ID_MSIX).orElseThrow();
        write16(CFG, msix + 2, 0x8000);
        memoryDecode(true);
        write32(0, SampleDevice.DOORBELL, 2);
        assertThat(eventfds.get(2).await(IRQ_WAIT)).isTrue();
        assertThat(eventfds.get(1).await(Duration.ZERO)).isFalse();
        // mask vector 3 in the table: the doorbell sets its PBA bit; unmasking delivers it
        write32(0, SampleDevice.MSIX_TABLE + 3 * 16 + 12, 1);
        write32(0, SampleDevice.DOORBELL, 3);
        assertThat(read32(0, SampleDevice.MSIX_PBA)).isEqualTo(1 << 3);
        assertThat(eventfds.get(3).await(Duration.ZERO)).isFalse();
        write32(0, SampleDevice.MSIX_TABLE + 3 * 16 + 12, 0);
        assertThat(eventfds.get(3).await(IRQ_WAIT)).isTrue();
        assertThat(read32(0, SampleDevice.MSIX_PBA)).isZero();
        assertThat(read32(0, SampleDevice.DOORBELLS)).isEqualTo(2);
    }

    @Test
    @DisplayName("PCI-9.1 INTx: a doorbell with no MSI/MSI-X sets Status.Interrupt and signals; UNMASK after ack")
    void pci_9_1_intx() throws Exception {
        EventFd e = EventFd.create();
        eventfds.add(e);
        client.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(e.fd()));
        memoryDecode(true);
        write32(0, SampleDevice.DOORBELL, 0);
        assertThat(e.await(IRQ_WAIT)).isTrue();
        assertThat(read16(CFG, PciHeader.STATUS) & PciHeader.STATUS_INTERRUPT).isNotZero();
        write32(0, SampleDevice.INTX_ACK, 1);
        assertThat(read16(CFG, PciHeader.STATUS) & PciHeader.STATUS_INTERRUPT).isZero();
        client.setIrqsNone(Vfio.PCI_INTX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_UNMASK, 0, 1);
        write32(0, SampleDevice.DOORBELL, 0);
        assertThat(e.await(IRQ_WAIT)).isTrue();
    }

    @Test
    @DisplayName("PCI-9.2 BAR0's RAM is an mmap sparse area of a memfd; mapped writes show in trapped reads")
    void pci_9_2_mmapRam() throws Exception {
        RegionInfo info = client.regionInfo(0);
        assertThat(info.flags() & Vfio.REGION_INFO_FLAG_MMAP).isNotZero();
        assertThat(info.sparseAreas()).containsExactly(new SparseArea(0, SampleDevice.RAM_SIZE));
        try (MappedMemory m = VfioUserClient.mapRegion(info, 0, SampleDevice.RAM_SIZE, true)) {
            m.segment().set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0x100, 0xC0FFEE);
            memoryDecode(true);
            assertThat(read32(0, 0x100)).isEqualTo(0xC0FFEE);
            write32(0, 0x200, 0xBEEF);
            assertThat(m.segment().get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0x200))
                    .isEqualTo(0xBEEF);
        }
    }
}
