package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.procfs.OpenFiles;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connect/disconnect churn with every kind of fd in flight leaves no descriptor behind. */
@Timeout(300)
class FdLeakTest {

    private static void cycle(VfioUserServer server, Fd guest, int i) throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath());
                EventFd intx = EventFd.create();
                EventFd msix = EventFd.create()) {
            c.dmaMap(guest, 0, 0x10_0000, 1 << 16, true, true);
            c.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(intx.fd()));
            c.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, 0, List.of(msix.fd()));
            RegionInfo bar0 = c.regionInfo(0);
            try (MappedMemory m = VfioUserClient.mapRegion(bar0, 4096, 4096, true)) {
                m.segment().set(ValueLayout.JAVA_INT, 0, i);
            }
            if (i % 2 == 0) {
                c.dmaUnmapAll(); // half the clients clean up, half leave it all to the server
                c.disableIrqs(Vfio.PCI_MSIX_IRQ_INDEX);
            }
            if (i % 7 == 0) {
                c.sendRaw(new byte[] {1, 2, 3}); // and some die mid-message
            }
        }
        ServerClientTest.awaitTrue(() -> !server.clientAttached());
    }

    @Test
    @DisplayName("VU-1.4 no fd leaks after 200 connect/disconnect cycles (counted in /proc/self/fd)")
    void vu_1_4_no_fd_leak_after_200_cycles() throws Exception {
        try (RamServer ram = RamServer.start();
                Fd guest = Memfd.create("guest", 1 << 16)) {
            RamDevice device = ram.device();
            VfioUserServer server = ram.server();
            for (int i = 0; i < 5; i++) {
                cycle(server, guest, i); // warm up lazily opened JDK files
            }
            int before = OpenFiles.count();
            for (int i = 0; i < 200; i++) {
                cycle(server, guest, i);
            }
            int after = OpenFiles.count();
            assertThat(after).as("open fds before %d, after %d", before, after).isEqualTo(before);
            assertThat(device.eventfdsHeld()).isZero();
            assertThat(device.detaches()).isEqualTo(205);
        }
    }
}
