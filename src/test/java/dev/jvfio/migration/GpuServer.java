package dev.jvfio.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.ServeChild;
import dev.jvfio.client.VfioUserClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code jvfio serve --profile gh200} child process on a socket of its own, and the test VMM's
 * connection to it. {@link #stop} asks it to stop as systemd would and checks it did so cleanly;
 * {@link #close} only makes sure nothing is left running.
 */
final class GpuServer implements AutoCloseable {
    /** The smallest Grace Hopper the driver accepts is 1.5 GiB; 2 GiB gives 1 GiB of usemem. */
    static final String MEM_SIZE = "2G";

    private final Path log;
    private final Process process;
    final VfioUserClient client;

    private GpuServer(Path log, Process process, VfioUserClient client) {
        this.log = log;
        this.process = process;
        this.client = client;
    }

    /** Starts a server with its socket and log in {@code dir}, named {@code name}, and connects to it. */
    static GpuServer start(Path dir, String name) throws Exception {
        Path socket = dir.resolve(name + ".sock");
        Path log = dir.resolve(name + ".log");
        Process p = ServeChild.serveUntilReady(
                log, List.of(), "--profile", "gh200", "--mem-size", MEM_SIZE, "--socket", socket.toString());
        try {
            return new GpuServer(log, p, VfioUserClient.connect(socket));
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /** What the server printed so far (for failure messages). */
    String log() {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }

    /** Hangs up, sends SIGTERM and checks the server exits cleanly (0, or 143 for the signal). */
    void stop() throws Exception {
        client.close();
        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
                .as("serve stops on SIGTERM\n%s", log())
                .isTrue();
        assertThat(process.exitValue()).as("serve exit code\n%s", log()).isIn(0, 143);
    }

    @Override
    public void close() throws Exception {
        client.close();
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(60, TimeUnit.SECONDS);
        }
    }
}
