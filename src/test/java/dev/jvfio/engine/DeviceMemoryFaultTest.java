package dev.jvfio.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.hw.Bar0Registers;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Device memory that cannot be read or written (here its backing file shrank under the device, as a
 * full file system makes a write fault too): the copy engine says so with its own status, 0x86, and
 * the device-memory offset, not 0x81 with a guest address; the host's log hears of it once.
 */
class DeviceMemoryFaultTest {
    static final long GIB = 1L << 30;
    static final long IOVA = 1L << 32;
    static final long GUEST = 16L << 20;

    @Test
    @DisplayName(
            "a copy into or out of device memory that faults ends with STATUS 0x86 and FAULT at the device offset, logged once")
    void deviceMemoryFaultHasItsOwnStatus() throws Exception {
        Path dir = TempDirs.create();
        List<String> logged = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(CopyEngine.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.addHandler(capture);
        try (VfioDevice device = DeviceProfiles.create(GpuOptions.defaults()
                        .withProfile("gb200")
                        .withMemorySize(2 * GIB)
                        .withBackingFile(dir.resolve("gpu.mem"))
                        .withName("faulty"));
                VfioUserServer server = VfioUserServer.start(
                        dir.resolve("s"), device, ServerOptions.defaults().withListener(ServerListener.NONE));
                VfioUserClient client = VfioUserClient.connect(dir.resolve("s"));
                Fd guest = Memfd.create("guest", GUEST)) {
            client.dmaMap(guest, 0, IOVA, GUEST, true, true);
            client.write(Vfio.PCI_CONFIG_REGION_INDEX, PciHeader.COMMAND, new byte[] {
                (byte) (PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER), 0
            });
            EngineDriver engine = new EngineDriver(client, Bar0Registers.COPY_ENGINE);
            assertThat(engine.copy(IOVA, GIB + (512L << 20), 1 << 20, CopyEngine.CTRL_DST_DEVICE))
                    .as("before the file shrank")
                    .isEqualTo(CopyEngine.STATUS_DONE);

            RegionInfo bar4 = client.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
            try (FileChannel ch =
                    FileChannel.open(Path.of("/proc/self/fd/" + bar4.file().fd().value()), StandardOpenOption.WRITE)) {
                ch.truncate(GIB); // device memory from 1 GiB on is gone
            }
            long past = GIB + (512L << 20);
            assertThat(engine.copy(IOVA, past, 1 << 20, CopyEngine.CTRL_DST_DEVICE))
                    .as("guest to device")
                    .isEqualTo(CopyEngine.STATUS_DEVICE_FAULT);
            assertThat(engine.read64(CopyEngine.FAULT_LO)).isEqualTo(past);
            assertThat(engine.copy(past + 4096, IOVA, 8192, CopyEngine.CTRL_SRC_DEVICE))
                    .as("device to guest")
                    .isEqualTo(CopyEngine.STATUS_DEVICE_FAULT);
            assertThat(engine.read64(CopyEngine.FAULT_LO)).isEqualTo(past + 4096);
            assertThat(engine.read(CopyEngine.ERRORS)).isEqualTo(2);
            assertThat(engine.copy(IOVA, 4096, 1 << 20, CopyEngine.CTRL_DST_DEVICE))
                    .as("below the new end")
                    .isEqualTo(CopyEngine.STATUS_DONE);
            assertThat(engine.copy(IOVA + GUEST, 4096, 4096, CopyEngine.CTRL_DST_DEVICE))
                    .as("an unmapped guest address")
                    .isEqualTo(CopyEngine.STATUS_NOT_MAPPED);
            assertThat(logged).hasSize(1);
            assertThat(logged.getFirst())
                    .startsWith("faulty: copy engine: device memory at offset 0x60000000 cannot be read or written");
        } finally {
            log.removeHandler(capture);
            TempDirs.delete(dir);
        }
    }
}
