package example.mydevice;

import static example.mydevice.CounterDeviceTest.le32;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The guide's DMA device (docs/writing-a-device.md), served and driven as QEMU would: guest memory
 * mapped with DMA_MAP, an MSI-X eventfd, Bus Master on, a doorbell; the device reads the buffer and
 * writes its CRC-32C after it from its own thread once the doorbell was answered (VU-8.5).
 */
class ChecksumDeviceTest {
    static final long IOVA = 0x10_0000;
    static final int GUEST = 0x20000;
    static final Duration PATIENCE = Duration.ofSeconds(30);
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    @DisplayName("VU-8.5 PCI-6.4 the guide's device reads guest memory, writes the CRC after it and raises MSI-X 0")
    void checksumOverDma() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        Path socket = dir.resolve("checksum.sock");
        byte[] data = new byte[5000];
        new Random(42).nextBytes(data);
        CRC32C expected = new CRC32C();
        expected.update(data);
        int cfg = Vfio.PCI_CONFIG_REGION_INDEX;
        try (VfioPciDevice device = ChecksumDevice.create("checksum");
                VfioUserServer server = VfioUserServer.start(socket, device, ServerOptions.defaults());
                VfioUserClient client = VfioUserClient.connect(socket);
                Fd guestFd = Memfd.create("guest", GUEST);
                MappedMemory guest = MappedMemory.map(guestFd, 0, GUEST, true);
                EventFd irq = EventFd.create()) {
            MemorySegment.copy(MemorySegment.ofArray(data), 0, guest.segment(), 0x100, data.length);
            client.dmaMap(guestFd, 0, IOVA, GUEST, true, true);
            client.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, 0, List.of(irq.fd()));
            int msix = device.capabilities().find(PciHeader.CAP_ID_MSIX).orElseThrow();
            client.write(cfg, msix + 2, new byte[] {0, (byte) 0x80}); // MSI-X enable
            int command = PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER;
            client.write(cfg, PciHeader.COMMAND, new byte[] {(byte) command, (byte) (command >> 8)});

            client.write(0, ChecksumDevice.ADDR_LO, le32((int) (IOVA + 0x100)));
            client.write(0, ChecksumDevice.ADDR_HI, le32(0));
            client.write(0, ChecksumDevice.LEN, le32(data.length));
            client.write(0, ChecksumDevice.DOORBELL, le32(1));

            assertThat(irq.await(PATIENCE))
                    .as("MSI-X vector 0 after the checksum")
                    .isTrue();
            assertThat(le32(client.read(0, ChecksumDevice.STATUS, 4))).isEqualTo(ChecksumDevice.STATUS_DONE);
            assertThat(le32(client.read(0, ChecksumDevice.CRC, 4))).isEqualTo((int) expected.getValue());
            assertThat(guest.segment().get(LE32, 0x100 + data.length))
                    .as("written to guest memory")
                    .isEqualTo((int) expected.getValue());

            client.write(0, ChecksumDevice.ADDR_LO, le32(0x4000_0000)); // nothing mapped there
            client.write(0, ChecksumDevice.DOORBELL, le32(1));
            assertThat(irq.await(PATIENCE)).isTrue();
            assertThat(le32(client.read(0, ChecksumDevice.STATUS, 4))).isEqualTo(ChecksumDevice.STATUS_FAULT);
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
