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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * INTx as a KVM host delivers it, over a real socket: QEMU's {@code vfio_intx_enable_kvm} sends
 * SET_IRQS index 0, DATA_EVENTFD | ACTION_UNMASK, start 0, count 1 with one eventfd (KVM's resample
 * eventfd), which KVM then signals at every end of interrupt instead of QEMU sending UNMASK.
 */
class IntxResampleSocketTest {
    static final long IOVA = 0x1_0000_0000L;
    static final long GUEST = 1 << 20;

    Path dir;
    VfioPciDevice device;
    VfioUserServer server;
    VfioUserClient client;
    EngineDriver engine;
    Fd guestFd;
    MappedMemory guest;
    EventFd trigger;
    EventFd resample;

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
        int cmd = PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER;
        client.write(Vfio.PCI_CONFIG_REGION_INDEX, PciHeader.COMMAND, new byte[] {(byte) cmd, (byte) (cmd >> 8)});
        trigger = EventFd.create();
        resample = EventFd.create();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
        device.close();
        guest.close();
        guestFd.close();
        trigger.close();
        resample.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    @Test
    @DisplayName(
            "PCI-10.3 QEMU's KVM INTx setup (UNMASK with one eventfd) is accepted; each resample signal unmasks and re-signals while asserted")
    void kvmResamplePath() throws Exception {
        client.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(trigger.fd()));
        // exactly what vfio_intx_enable_kvm sends
        client.setIrqs(
                Vfio.PCI_INTX_IRQ_INDEX,
                Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_UNMASK,
                0,
                1,
                null,
                List.of(resample.fd()));
        assertThat(engine.copy(IOVA, 0, 8, CTRL_DST_DEVICE | CTRL_INTERRUPT)).isEqualTo(STATUS_DONE);
        assertThat(trigger.await(EngineDriver.PATIENCE)).as("INTx signalled").isTrue();
        // the guest EOIs without acknowledging the device: KVM resamples, the line is still up
        resample.signal();
        assertThat(trigger.await(EngineDriver.PATIENCE))
                .as("re-signalled while asserted")
                .isTrue();
        // the driver acknowledges (STATUS write deasserts INTx), then EOI: unmasked, nothing to send
        engine.write(STATUS, 0);
        resample.signal();
        awaitUnmaskSignals(2);
        assertThat(trigger.await(Duration.ZERO)).isFalse();
        // the next completion is delivered at once: the resample left INTx unmasked
        assertThat(engine.copy(IOVA, 0, 8, CTRL_DST_DEVICE | CTRL_INTERRUPT)).isEqualTo(STATUS_DONE);
        assertThat(trigger.await(EngineDriver.PATIENCE)).isTrue();
        // vfio_intx_disable_kvm: the same request without an fd disarms it
        client.setIrqs(
                Vfio.PCI_INTX_IRQ_INDEX, Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_UNMASK, 0, 1, null, List.of());
        assertThat(device.status().irqs().getFirst().unmaskFd()).isFalse();
    }

    void awaitUnmaskSignals(long n) throws InterruptedException {
        long deadline = System.nanoTime() + EngineDriver.PATIENCE.toNanos();
        while (device.status().counters().get("intx-unmask-signals") < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(device.status().counters().get("intx-unmask-signals")).isEqualTo(n);
    }
}
