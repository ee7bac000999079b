package dev.jvfio.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The CPU affinity of one thread (or process) through the {@code taskset} command. */
final class Taskset {
    private Taskset() {
    }

    /** The affinity mask of {@code tid} in hexadecimal, as {@code taskset -p} prints it. */
    static String mask(long tid) throws IOException {
        String out = run(List.of("taskset", "-p", Long.toString(tid)));
        // "pid 123's current affinity mask: 3"
        return out.substring(out.lastIndexOf(':') + 1).strip();
    }

    /** Sets the affinity of {@code tid} to {@code hexMask}. */
    static void mask(long tid, String hexMask) throws IOException {
        run(List.of("taskset", "-p", hexMask, Long.toString(tid)));
    }

    /** Puts {@code tid} on {@code cpu} alone. */
    static void cpu(long tid, int cpu) throws IOException {
        run(List.of("taskset", "-p", "-c", Integer.toString(cpu), Long.toString(tid)));
    }

    /** Sets every thread of {@code pid} to CPU {@code cpu} ({@code taskset -a}). */
    static void allThreads(long pid, int cpu) throws IOException {
        run(List.of("taskset", "-a", "-p", "-c", Integer.toString(cpu), Long.toString(pid)));
    }

    /** Sets every thread of {@code pid} to {@code hexMask}. */
    static void allThreads(long pid, String hexMask) throws IOException {
        run(List.of("taskset", "-a", "-p", hexMask, Long.toString(pid)));
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
}
