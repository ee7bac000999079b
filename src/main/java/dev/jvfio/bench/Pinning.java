package dev.jvfio.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
        String mask = Taskset.mask(pid);
        Taskset.allThreads(pid, 0);
        return new Pinning(mask);
    }

    @Override
    public void close() throws IOException {
        Taskset.allThreads(ProcessHandle.current().pid(), previousMask);
    }
}
