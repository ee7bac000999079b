package dev.jvfio.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The CPU affinity of one thread (or process) through the {@code taskset} command. */
final class Taskset {
    private Taskset() {}

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

    /**
     * Puts {@code tid} on {@code cpu} alone; false when the thread has ended meanwhile (a connection's
     * thread of a client that just left, a JVM helper thread that exited), which is no failure.
     */
    static boolean cpuIfAlive(long tid, int cpu) throws IOException {
        try {
            cpu(tid, cpu);
            return true;
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("No such process")) return false;
            throw e;
        }
    }

    /** Sets every thread of {@code pid} to CPU {@code cpu} ({@code taskset -a}). */
    static void allThreads(long pid, int cpu) throws IOException {
        everyLiveThread(List.of("taskset", "-a", "-p", "-c", Integer.toString(cpu), Long.toString(pid)));
    }

    /** Sets every thread of {@code pid} to {@code hexMask}. */
    static void allThreads(long pid, String hexMask) throws IOException {
        everyLiveThread(List.of("taskset", "-a", "-p", hexMask, Long.toString(pid)));
    }

    /**
     * {@code taskset -a} lists the process's threads, then sets each: one that ends in between makes
     * it fail with ESRCH. A few tries see a list without it.
     */
    private static void everyLiveThread(List<String> cmd) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                run(cmd);
                return;
            } catch (IOException e) {
                if (attempt == 3 || e.getMessage() == null || !e.getMessage().contains("No such process")) throw e;
            }
        }
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
