package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.bench.ChildJvm;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.sample.SampleDevice;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Java client in a separate JVM drives a device over a real socket through every command. */
@Timeout(180)
class ChildProcessClientTest {

    private static String runChild(Path socket, String mode) throws Exception {
        Process p = ChildJvm.builder(List.of("-Xmx128m"), ClientDriver.class, socket.toString(), mode)
                .redirectErrorStream(true)
                .start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }

    private static void awaitDetached(VfioUserServer server) throws InterruptedException {
        ServerClientTest.awaitTrue(() -> !server.clientAttached());
    }

    @Test
    @DisplayName("VU-1.1 VU-4.2 VU-6.1 a client in another process drives the RAM device, fds passed both ways")
    void vu_1_1_child_process_ram_device() throws Exception {
        try (RamServer ram = RamServer.start()) {
            RamDevice device = ram.device();
            VfioUserServer server = ram.server();
            String out = runChild(server.socketPath(), "ram");
            assertThat(out)
                    .contains(
                            "PASS VU-4.2 VU-5.1 server fd received",
                            "PASS VU-6.1 VU-4.5 client memfd and eventfd passed",
                            "PASS VU-8.8",
                            "PASS VU-7.1",
                            "DONE");
            byte[] marker = device.bar0().asSlice(0, ClientDriver.MARKER.length).toArray(ValueLayout.JAVA_BYTE);
            assertThat(marker).isEqualTo(ClientDriver.MARKER);
            awaitDetached(server);
            assertThat(device.detaches()).isEqualTo(1);
            assertThat(device.eventfdsHeld()).isZero();
            assertThat(server.dmaWindows()).isZero();
        }
    }

    @Test
    @DisplayName("VU-1.1 VU-4.5 VU-5.1 a client in another process drives the PCI sample device")
    void vu_1_1_child_process_sample_device() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        VfioDevice device = SampleDevice.create("sample");
        try (VfioUserServer server = VfioUserServer.start(
                dir.resolve("s"), device, ServerOptions.defaults().withListener(ServerListener.NONE))) {
            String out = runChild(server.socketPath(), "sample");
            assertThat(out)
                    .contains(
                            "PASS VU-5.1 sample device",
                            "PASS VU-4.5 sample device raised INTx",
                            "PASS VU-7.1 sample device reset",
                            "DONE");
            MemorySegment back = MemorySegment.ofArray(new byte[ClientDriver.MARKER.length]);
            device.read(0, 0, back);
            assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(ClientDriver.MARKER);
            awaitDetached(server);
        } finally {
            device.close();
            Files.deleteIfExists(dir);
        }
    }
}
