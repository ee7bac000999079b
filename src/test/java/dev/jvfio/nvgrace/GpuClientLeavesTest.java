package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.MigrationState;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.EventFd;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.profile.GpuOptions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * VU-10.11 with interrupts: a client that leaves a stopped GPU takes its eventfds with it. The
 * device runs again for the next client, but an interrupt it held while stopped belongs to the
 * guest that migrated away (MIG-1.7: it fires once, on the destination), not to the departed
 * client's eventfd.
 */
class GpuClientLeavesTest extends SocketFixture {
    static final int VECTOR = 5;

    @Test
    @DisplayName(
            "VU-10.11 MIG-1.7 an interrupt held while the device is stopped does not fire into the eventfd of a client that left")
    void heldInterruptStaysWithTheGuest() throws Exception {
        gh200(GpuOptions.defaults());
        cfgWrite32(PciHeader.COMMAND, PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER);
        int msix = dev.core().capabilities().find(PciHeader.CAP_ID_MSIX).orElseThrow();
        cfgWrite32(msix, cfg32(msix) | 0x8000 << 16);
        try (EventFd fd = EventFd.create()) {
            client.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, VECTOR, List.of(fd.fd()));
            assertThat(dev.core().triggerMsix(VECTOR)).as("running: it fires").isTrue();
            assertThat(fd.take()).isEqualTo(1);
            client.migration().setState(MigrationState.STOP);
            assertThat(dev.core().triggerMsix(VECTOR)).as("stopped: held").isFalse();
            assertThat(dev.core().msixPending(VECTOR)).isTrue();
            reconnect(); // the old client is gone once the server takes the new one
            assertThat(client.migration().state()).isEqualTo(MigrationState.RUNNING);
            assertThat(fd.await(Duration.ZERO))
                    .as("the held interrupt went to the departed client's eventfd")
                    .isFalse();
        }
    }
}
