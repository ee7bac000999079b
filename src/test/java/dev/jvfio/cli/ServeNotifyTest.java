package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.daemon.DatagramInbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** serve as systemd's Type=notify runs it: a child JVM with NOTIFY_SOCKET and RUNTIME_DIRECTORY set. */
@Timeout(120)
class ServeNotifyTest {
    @Test
    @DisplayName(
            "READY=1 once the socket listens (in RUNTIME_DIRECTORY), STATUS as clients come and go, STOPPING=1 on SIGTERM")
    void notifiesTheServiceManager() throws Throwable {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvsn");
        String address = "@jvfio-serve-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (DatagramInbox inbox = new DatagramInbox(address)) {
            Process p = CliProcess.builder(
                            dir,
                            Map.of("NOTIFY_SOCKET", address, "RUNTIME_DIRECTORY", dir.toString()),
                            "serve",
                            "--profile",
                            "sample")
                    .start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CliProcess.drain(p.getInputStream());
            CompletableFuture<String> err = CliProcess.drain(p.getErrorStream());
            try {
                String ready = inbox.receive();
                for (int i = 0; ready == null && i < 10 && p.isAlive(); i++)
                    ready = inbox.receive(); // a slow JVM start
                assertThat(ready)
                        .startsWith("READY=1\nSTATUS=serving 1 device, 0 clients attached\nMAINPID=" + p.pid());
                Path socket = dir.resolve("gpu0.sock");
                assertThat(PathArgs.isSocket(socket)).isTrue();
                try (VfioUserClient c = VfioUserClient.connect(socket)) {
                    assertThat(inbox.receive()).isEqualTo("STATUS=serving 1 device, 1 client attached");
                }
                assertThat(inbox.receive()).isEqualTo("STATUS=serving 1 device, 0 clients attached");
                p.destroy();
                assertThat(inbox.receive()).isEqualTo("STOPPING=1\nSTATUS=stopping: closing 1 socket");
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(Files.exists(socket)).isFalse();
            } finally {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                out.join();
                assertThat(err.join()).doesNotContain("cannot notify");
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }
    }
}
