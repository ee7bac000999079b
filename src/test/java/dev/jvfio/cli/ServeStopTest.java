package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Stopping serve in states where a session is busy inside the device. */
class ServeStopTest {
    Path dir;

    @BeforeEach
    void makeDir() throws IOException {
        dir = TempDirs.create();
    }

    @AfterEach
    void removeDir() throws IOException {
        TempDirs.delete(dir);
    }

    @Test
    @DisplayName(
            "NV-7.1 SIGTERM while a client waits in the readiness wait after a reset (--ready-delay 60m): serve stops at once, not after the 30 s wait")
    void nv_7_1_stopInterruptsAClientWaitingForReadiness() throws Exception {
        Path socket = dir.resolve("g.sock");
        try (ServeProcess serve = new ServeProcess(
                dir,
                Map.of(),
                "--socket",
                socket.toString(),
                "--profile",
                "gb200",
                "--mem-size",
                "1G",
                "--ready-delay",
                "60m")) {
            serve.awaitReady();
            VfioUserClient client = VfioUserClient.connect(socket);
            client.reset();
            client.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, new byte[] {2}); // memory decode on (the reset cleared it)
            // the first trapped access of BAR4 after the reset waits (up to the driver's 30 s) for readiness
            CompletableFuture<Object> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.read(Vfio.PCI_BAR4_REGION_INDEX, 0, 4);
                } catch (Exception e) {
                    return e;
                }
            });
            Thread.sleep(1500); // well inside the wait
            assertThat(waiting).as("the access is still waiting for the GPU").isNotDone();
            long start = System.nanoTime();
            serve.process.destroy(); // SIGTERM
            boolean exited = serve.process.waitFor(10, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(exited)
                    .as("serve exited within 10 s of SIGTERM, far below the 30 s readiness wait\n" + serve)
                    .isTrue();
            System.out.printf("serve stopped %d ms after SIGTERM with a client in the readiness wait%n", ms);
            assertThat(serve.process.exitValue()).isEqualTo(143);
            assertThat(socket).doesNotExist();
            assertThat(waiting.get(10, TimeUnit.SECONDS))
                    .as("the waiting client got an error or EOF, not data")
                    .isInstanceOf(Exception.class);
            client.close();
        }
    }
}
