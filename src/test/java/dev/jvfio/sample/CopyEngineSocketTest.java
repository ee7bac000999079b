package dev.jvfio.sample;

import static dev.jvfio.engine.CopyEngine.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.engine.EngineDriver;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.pci.VfioPciDevice;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The copy engine (docs/dma-engine.md) on the sample device over a real socket: every register of the copy engine at BAR0 +
 * 0x2100 and every error status, with guest memory a memfd the client maps with DMA_MAP.
 */
class CopyEngineSocketTest {
    static final int CFG = Vfio.PCI_CONFIG_REGION_INDEX;
    static final long IOVA = 0x1_0000_0000L;
    static final long GUEST = 1 << 20;
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    Path dir;
    VfioPciDevice device;
    VfioUserServer server;
    VfioUserClient client;
    EngineDriver engine;
    Fd guestFd;
    MappedMemory guest;
    final List<EventFd> eventfds = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        device = SampleDevice.create("sample");
        server = VfioUserServer.start(dir.resolve("s"), device, ServerOptions.defaults());
        client = VfioUserClient.connect(dir.resolve("s"));
        engine = new EngineDriver(client, SampleDevice.ENGINE);
        guestFd = Memfd.create("guest", GUEST);
        guest = MappedMemory.map(guestFd, 0, GUEST, true);
        client.dmaMap(guestFd, 0, IOVA, GUEST, true, true);
        command(PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
        device.close();
        guest.close();
        guestFd.close();
        eventfds.forEach(EventFd::close);
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    void command(int bits) throws Exception {
        client.write(CFG, PciHeader.COMMAND, new byte[] {(byte) bits, (byte) (bits >> 8)});
    }

    int ram32(long offset) throws Exception {
        return MemorySegment.ofArray(client.read(0, offset, 4)).get(LE32, 0);
    }

    void fillGuest(long offset, long len, int seed) {
        for (long i = 0; i < len; i += 4) {
            guest.segment().set(LE32, offset + i, seed + (int) i);
        }
    }

    @Test
    @DisplayName("DMA-1.1 SRC, DST, LEN and CTRL read back what was written, 32 or 64 bits at a time; DOORBELL reads 0")
    void registersReadBack() throws Exception {
        engine.write(SRC_LO, 0x1111_2222);
        engine.write(SRC_HI, 0x3333_4444);
        engine.program(0x0123_4567_89AB_CDEFL, 0xFEDC_BA98_7654_3210L, 0x1000, 0x0003_0103);
        assertThat(engine.read64(SRC_LO)).isEqualTo(0x0123_4567_89AB_CDEFL);
        assertThat(engine.read64(DST_LO)).isEqualTo(0xFEDC_BA98_7654_3210L);
        assertThat(engine.read(LEN)).isEqualTo(0x1000);
        assertThat(engine.read(CTRL)).isEqualTo(0x0003_0103);
        assertThat(engine.read(DOORBELL)).isZero();
        assertThat(engine.read(STATUS)).isEqualTo(STATUS_IDLE);
        assertThat(engine.read(DONE)).isZero();
        assertThat(engine.read(ERRORS)).isZero();
        assertThat(engine.read64(FAULT_LO)).isZero();
        assertThat(client.read(0, SampleDevice.ENGINE + LEN + 1, 1)).containsExactly(0x10); // byte access
    }

    @Test
    @DisplayName("DMA-2.1 guest memory to device RAM and back to another guest buffer, STATUS 2 and DONE counts copies")
    void guestToDeviceAndBack() throws Exception {
        fillGuest(0, 4096, 0x5000_0000);
        assertThat(engine.copy(IOVA, 0x100, 4096, CTRL_DST_DEVICE)).isEqualTo(STATUS_DONE);
        assertThat(ram32(0x100)).isEqualTo(0x5000_0000);
        assertThat(ram32(0x100 + 4092)).isEqualTo(0x5000_0000 + 4092);
        assertThat(engine.copy(0x100, IOVA + 0x8000, 4096, CTRL_SRC_DEVICE)).isEqualTo(STATUS_DONE);
        assertThat(guest.segment()
                        .asSlice(0x8000, 4096)
                        .mismatch(guest.segment().asSlice(0, 4096)))
                .isEqualTo(-1);
        assertThat(engine.read(DONE)).isEqualTo(2);
        assertThat(engine.read(ERRORS)).isZero();
    }

    @Test
    @DisplayName("DMA-2.1 guest to guest (CTRL bits 0 and 1 clear) and device to device (both set), odd lengths")
    void guestToGuestAndDeviceToDevice() throws Exception {
        fillGuest(0, 0x3000, 7);
        assertThat(engine.copy(IOVA + 1, IOVA + 0x10001, 0x2FFF, 0)).isEqualTo(STATUS_DONE);
        assertThat(guest.segment()
                        .asSlice(0x10001, 0x2FFF)
                        .mismatch(guest.segment().asSlice(1, 0x2FFF)))
                .isEqualTo(-1);
        client.write(0, 0, new byte[] {1, 2, 3, 4, 5});
        assertThat(engine.copy(0, 0x1000, 5, CTRL_SRC_DEVICE | CTRL_DST_DEVICE)).isEqualTo(STATUS_DONE);
        assertThat(client.read(0, 0x1000, 5)).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    @DisplayName("DMA-2.2 a copy spanning two adjacent DMA windows of different memfds works")
    void spansWindows() throws Exception {
        try (Fd second = Memfd.create("guest2", 0x1000);
                MappedMemory m2 = MappedMemory.map(second, 0, 0x1000, true)) {
            client.dmaMap(second, 0, IOVA + GUEST, 0x1000, true, true);
            fillGuest(GUEST - 0x800, 0x800, 0x100);
            for (int i = 0; i < 0x800; i += 4) {
                m2.segment().set(LE32, i, 0x100 + 0x800 + i);
            }
            assertThat(engine.copy(IOVA + GUEST - 0x800, 0, 0x1000, CTRL_DST_DEVICE))
                    .isEqualTo(STATUS_DONE);
            for (int i = 0; i < 0x1000; i += 0x100) {
                assertThat(ram32(i)).isEqualTo(0x100 + i);
            }
        }
    }

    @Test
    @DisplayName("DMA-3.1 an unmapped bus address gives 0x81 with FAULT at the first unmapped byte, ERRORS counts it")
    void notMapped() throws Exception {
        assertThat(engine.copy(0xDEAD_0000L, 0, 16, CTRL_DST_DEVICE)).isEqualTo(STATUS_NOT_MAPPED);
        assertThat(engine.read64(FAULT_LO)).isEqualTo(0xDEAD_0000L);
        // runs off the end of the window: the fault is the first byte past it
        assertThat(engine.copy(0, IOVA + GUEST - 8, 16, CTRL_SRC_DEVICE)).isEqualTo(STATUS_NOT_MAPPED);
        assertThat(engine.read64(FAULT_LO)).isEqualTo(IOVA + GUEST);
        assertThat(engine.read(ERRORS)).isEqualTo(2);
        assertThat(engine.read(DONE)).isZero();
        client.dmaUnmap(IOVA, GUEST);
        assertThat(engine.copy(IOVA, 0, 16, CTRL_DST_DEVICE))
                .as("gone after DMA_UNMAP")
                .isEqualTo(STATUS_NOT_MAPPED);
    }

    @Test
    @DisplayName("DMA-3.2 Bus Master clear at the doorbell gives 0x82 and no memory is touched")
    void busMasterOff() throws Exception {
        fillGuest(0, 64, 0x77);
        command(PciHeader.COMMAND_MEMORY);
        engine.program(IOVA, 0, 64, CTRL_DST_DEVICE);
        engine.ring();
        assertThat(engine.read(STATUS)).as("decided at the doorbell").isEqualTo(STATUS_BUS_MASTER_OFF);
        assertThat(ram32(0)).isZero();
        engine.program(0, IOVA + 0x1000, 64, CTRL_SRC_DEVICE);
        engine.ring();
        assertThat(engine.read(STATUS)).isEqualTo(STATUS_BUS_MASTER_OFF);
        assertThat(guest.segment().get(LE32, 0x1000)).isZero();
        assertThat(engine.read(ERRORS)).isEqualTo(2);
        client.write(0, 0, new byte[] {9});
        assertThat(engine.copy(0, 0x10, 1, CTRL_SRC_DEVICE | CTRL_DST_DEVICE))
                .as("device-internal copies need no Bus Master")
                .isEqualTo(STATUS_DONE);
    }

    @Test
    @DisplayName("DMA-3.3 a device-memory range outside the sample's RAM gives 0x83 with FAULT at its start")
    void deviceRange() throws Exception {
        assertThat(engine.copy(IOVA, 0x1800, 0x1000, CTRL_DST_DEVICE)).isEqualTo(STATUS_DEVICE_RANGE);
        assertThat(engine.read64(FAULT_LO)).isEqualTo(0x1800);
        assertThat(engine.copy(-4096L, IOVA, 16, CTRL_SRC_DEVICE)).isEqualTo(STATUS_DEVICE_RANGE);
        assertThat(engine.copy(0, 0x1000, 0x1000, CTRL_DST_DEVICE))
                .as("exactly fits: guest address 0 is unmapped")
                .isEqualTo(STATUS_NOT_MAPPED);
    }

    @Test
    @DisplayName("DMA-3.4 LEN 0 or above 256 MiB gives 0x84")
    void badLength() throws Exception {
        assertThat(engine.copy(IOVA, 0, 0, CTRL_DST_DEVICE)).isEqualTo(STATUS_BAD_LENGTH);
        assertThat(engine.copy(IOVA, 0, (256 << 20) + 1, CTRL_DST_DEVICE)).isEqualTo(STATUS_BAD_LENGTH);
        assertThat(engine.copy(IOVA, 0, -1, CTRL_DST_DEVICE)).isEqualTo(STATUS_BAD_LENGTH);
        assertThat(engine.read(ERRORS)).isEqualTo(3);
    }

    @Test
    @DisplayName("DMA-3.5 a destination window mapped without WRITE gives 0x85 and stays untouched")
    void notWritable() throws Exception {
        try (Fd ro = Memfd.create("ro", 0x1000);
                MappedMemory m = MappedMemory.map(ro, 0, 0x1000, true)) {
            client.dmaMap(ro, 0, 0x4000_0000L, 0x1000, true, false);
            client.write(0, 0, new byte[] {1, 2, 3, 4});
            assertThat(engine.copy(0, 0x4000_0000L + 8, 4, CTRL_SRC_DEVICE)).isEqualTo(STATUS_NOT_WRITABLE);
            assertThat(engine.read64(FAULT_LO)).isEqualTo(0x4000_0000L + 8);
            assertThat(m.segment().get(LE32, 8)).isZero();
            m.segment().set(LE32, 0, 0xABCD);
            assertThat(engine.copy(0x4000_0000L, 0x20, 4, CTRL_DST_DEVICE))
                    .as("reading it is fine")
                    .isEqualTo(STATUS_DONE);
            assertThat(ram32(0x20)).isEqualTo(0xABCD);
        }
    }

    @Test
    @DisplayName("DMA-1.3 a write to STATUS clears it to idle; DONE, ERRORS and FAULT ignore writes")
    void statusWriteClears() throws Exception {
        assertThat(engine.copy(0xBAD0L, 0, 4, CTRL_DST_DEVICE)).isEqualTo(STATUS_NOT_MAPPED);
        engine.write(DONE, 55);
        engine.write(ERRORS, 55);
        engine.write(FAULT_LO, 55);
        assertThat(engine.read(ERRORS)).isEqualTo(1);
        assertThat(engine.read(DONE)).isZero();
        assertThat(engine.read64(FAULT_LO)).isEqualTo(0xBAD0L);
        engine.write(STATUS, 0x1234);
        assertThat(engine.read(STATUS)).isEqualTo(STATUS_IDLE);
        engine.write(DOORBELL, 2); // bit 0 clear: not a start
        assertThat(engine.read(STATUS)).isEqualTo(STATUS_IDLE);
    }

    @Test
    @DisplayName("DMA-5.1 DEVICE_RESET and FLR clear every register")
    void resetClears() throws Exception {
        for (boolean flr : new boolean[] {false, true}) {
            assertThat(engine.copy(0xBAD0L, 0, 4, CTRL_DST_DEVICE)).isEqualTo(STATUS_NOT_MAPPED);
            assertThat(engine.copy(IOVA, 0, 4, CTRL_DST_DEVICE | CTRL_INTERRUPT))
                    .isEqualTo(STATUS_DONE);
            if (flr) {
                int exp = device.capabilities().find(PciHeader.CAP_ID_EXP).orElseThrow();
                byte[] ctl = client.read(CFG, exp + 8, 2);
                client.write(CFG, exp + 8, new byte[] {ctl[0], (byte) (ctl[1] | 0x80)});
            } else {
                client.reset();
            }
            command(PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER);
            for (int reg = 0; reg < BLOCK_SIZE; reg += 4) {
                assertThat(engine.read(reg))
                        .as("register 0x%x after %s", reg, flr ? "FLR" : "DEVICE_RESET")
                        .isZero();
            }
        }
    }

    @Test
    @DisplayName(
            "DMA-4.1 the completion interrupt goes to the MSI-X vector in CTRL; a masked vector is left pending in the PBA")
    void msixCompletion() throws Exception {
        List<Fd> fds = new ArrayList<>();
        for (int i = 0; i < SampleDevice.MSIX_VECTORS; i++) {
            EventFd e = EventFd.create();
            eventfds.add(e);
            fds.add(e.fd());
        }
        client.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, 0, fds);
        int msix = device.capabilities().find(PciHeader.CAP_ID_MSIX).orElseThrow();
        client.write(CFG, msix + 2, new byte[] {0, (byte) 0x80});
        int ctrl = CTRL_DST_DEVICE | CTRL_INTERRUPT | 2 << CTRL_VECTOR_SHIFT;
        assertThat(engine.copy(IOVA, 0, 64, ctrl)).isEqualTo(STATUS_DONE);
        assertThat(eventfds.get(2).await(EngineDriver.PATIENCE)).isTrue();
        assertThat(eventfds.get(0).await(Duration.ZERO)).isFalse();
        assertThat(engine.copy(IOVA, 0, 64, CTRL_DST_DEVICE))
                .as("bit 8 clear: no interrupt")
                .isEqualTo(STATUS_DONE);
        // an error completes too, and vector 3 masked in the table: PBA bit set, delivered on unmask
        client.write(0, SampleDevice.MSIX_TABLE + 3 * 16 + 12, new byte[] {1, 0, 0, 0});
        assertThat(engine.copy(0xBAD0L, 0, 64, CTRL_DST_DEVICE | CTRL_INTERRUPT | 3 << CTRL_VECTOR_SHIFT))
                .isEqualTo(STATUS_NOT_MAPPED);
        assertThat(ram32(SampleDevice.MSIX_PBA)).isEqualTo(1 << 3);
        assertThat(eventfds.get(3).await(Duration.ZERO)).isFalse();
        client.write(0, SampleDevice.MSIX_TABLE + 3 * 16 + 12, new byte[] {0, 0, 0, 0});
        assertThat(eventfds.get(3).await(EngineDriver.PATIENCE)).isTrue();
        assertThat(eventfds.get(2).await(Duration.ZERO)).isFalse();
    }

    @Test
    @DisplayName("DMA-4.2 with MSI the completion interrupt goes to the MSI vector in CTRL")
    void msiCompletion() throws Exception {
        List<Fd> fds = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            EventFd e = EventFd.create();
            eventfds.add(e);
            fds.add(e.fd());
        }
        client.setIrqEventfds(Vfio.PCI_MSI_IRQ_INDEX, 0, fds);
        assertThat(engine.copy(IOVA, 0, 8, CTRL_DST_DEVICE | CTRL_INTERRUPT | 1 << CTRL_VECTOR_SHIFT))
                .isEqualTo(STATUS_DONE);
        assertThat(eventfds.get(1).await(EngineDriver.PATIENCE)).isTrue();
        assertThat(eventfds.get(0).await(Duration.ZERO)).isFalse();
    }

    @Test
    @DisplayName(
            "DMA-4.3 with neither MSI nor MSI-X the completion asserts INTx with Status.Interrupt; a STATUS write deasserts it")
    void intxCompletion() throws Exception {
        EventFd e = EventFd.create();
        eventfds.add(e);
        client.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(e.fd()));
        assertThat(engine.copy(IOVA, 0, 8, CTRL_DST_DEVICE | CTRL_INTERRUPT)).isEqualTo(STATUS_DONE);
        assertThat(e.await(EngineDriver.PATIENCE)).isTrue();
        assertThat(status16() & PciHeader.STATUS_INTERRUPT).isNotZero();
        engine.write(STATUS, 0);
        assertThat(status16() & PciHeader.STATUS_INTERRUPT).isZero();
        // INTx disabled in the command register: the line is asserted but nothing is signalled
        client.setIrqsNone(Vfio.PCI_INTX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_UNMASK, 0, 1);
        command(PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER | PciHeader.COMMAND_INTX_DISABLE);
        assertThat(engine.copy(IOVA, 0, 8, CTRL_DST_DEVICE | CTRL_INTERRUPT)).isEqualTo(STATUS_DONE);
        assertThat(status16() & PciHeader.STATUS_INTERRUPT).isNotZero();
        assertThat(e.await(Duration.ZERO)).isFalse();
        command(PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER);
        assertThat(e.await(EngineDriver.PATIENCE))
                .as("delivered when INTx is enabled again")
                .isTrue();
    }

    int status16() throws Exception {
        byte[] b = client.read(CFG, PciHeader.STATUS, 2);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8;
    }

    @Test
    @DisplayName("DMA-3.1 DMA-3.7 a memfd truncated under its DMA window gives 0x81 and the server lives on")
    void truncatedWindow() throws Exception {
        try (var ch = FileChannel.open(Path.of("/proc/self/fd/" + guestFd.value()), StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
        assertThat(engine.copy(IOVA + 0x2000, 0, 64, CTRL_DST_DEVICE)).isEqualTo(STATUS_NOT_MAPPED);
        assertThat(engine.read64(FAULT_LO)).isEqualTo(IOVA + 0x2000);
        assertThat(engine.copy(0, IOVA, 64, CTRL_SRC_DEVICE)).isEqualTo(STATUS_NOT_MAPPED);
        assertThat(client.deviceInfo().numRegions()).as("the session goes on").isEqualTo(9);
        client.dmaUnmap(IOVA, GUEST);
    }
}
