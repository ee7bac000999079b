package dev.jvfio.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Pins every thread of this JVM to CPU 0 with {@code taskset -a -p} (threads started later inherit
 * it, and so do child processes, which are also started under {@code taskset -c 0}); close()
 * puts the previous affinity back.
 */
final class Pinning implements AutoCloseable {
    private final String previousMask;

    private Pinning(String previousMask) {
        this.previousMask = previousMask;
    }

    static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "taskset"))) {
                return true;
            }
        }
        return false;
    }

    static Pinning pinToCpu0() throws IOException {
        long pid = ProcessHandle.current().pid();
        String out = run(List.of("taskset", "-p", Long.toString(pid)));
        // "pid 123's current affinity mask: 3"
        String mask = out.substring(out.lastIndexOf(':') + 1).strip();
        run(List.of("taskset", "-a", "-p", "-c", "0", Long.toString(pid)));
        return new Pinning(mask);
    }

    private static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() throws IOException {
        run(List.of("taskset", "-a", "-p", previousMask, Long.toString(ProcessHandle.current().pid())));
    }
}
