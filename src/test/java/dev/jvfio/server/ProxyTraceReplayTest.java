package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.trace.Traced;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A trace written by {@code jvfio trace --json} is a session the replay of recorded sessions can replay. */
@Timeout(120)
class ProxyTraceReplayTest {
    @Test
    @DisplayName(
            "TRACE-5 VU-2.2 a session recorded by the proxy replays against a fresh server like the recorded QEMU sessions")
    void trace5_proxyTraceReplays() throws Exception {
        Path file = Files.createTempFile(Path.of("/tmp"), "jvtrace", ".jsonl");
        try {
            try (RamServer ram = RamServer.start()) {
                Traced t = Traced.start(ram.socket());
                try (VfioUserClient c = VfioUserClient.connect(t.socket());
                        Fd mem = Memfd.create("guest", 1 << 20);
                        EventFd intx = EventFd.create()) {
                    c.deviceInfo();
                    for (int i = 0; i < 10; i++) {
                        c.regionInfo(i);
                    }
                    c.irqInfo(Vfio.PCI_INTX_IRQ_INDEX);
                    c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, 64);
                    c.reset();
                    c.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(intx.fd()));
                    c.dmaMap(mem, 0, 0x1_0000_0000L, 1 << 20, true, true);
                    c.write(1, 0x40, new byte[] {1, 2, 3, 4});
                    c.dmaUnmap(0x1_0000_0000L, 1 << 20);
                }
                t.awaitIdle();
                t.close();
                Files.write(file, t.jsonLines());
            }
            assertThat(Files.readAllLines(file)).hasSizeGreaterThan(30);
            TraceReplayTest.replay(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
