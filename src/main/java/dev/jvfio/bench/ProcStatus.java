package dev.jvfio.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** Memory lines of /proc/PID/status (VmRSS and its anon/file/shmem parts), in bytes. */
record ProcStatus(long vmRss, long rssAnon, long rssFile, long rssShmem) {
    static ProcStatus of(long pid) throws IOException {
        Map<String, Long> kib = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.endsWith(" kB")) {
                String value = line.substring(colon + 1, line.length() - 3).strip();
                try {
                    kib.put(line.substring(0, colon), Long.parseLong(value));
                } catch (NumberFormatException ignored) {
                    // not a number: not one of ours
                }
            }
        }
        if (!kib.containsKey("VmRSS")) {
            throw new IOException("no VmRSS in /proc/" + pid + "/status (has the process exited?)");
        }
        return new ProcStatus(
                kib.get("VmRSS") * 1024,
                kib.getOrDefault("RssAnon", 0L) * 1024,
                kib.getOrDefault("RssFile", 0L) * 1024,
                kib.getOrDefault("RssShmem", 0L) * 1024);
    }

    /** CPU time (user + system) the process has used so far, in milliseconds, from /proc/PID/stat. */
    static double cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": state is field 3, utime field 14, stime field 15
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 1000.0 / CLOCK_TICKS;
    }

    /**
     * CPU time (user + system) the JIT compiler threads of a process ("C1/C2 CompilerThread") have
     * used so far, in milliseconds (10 ms resolution); 0 if the process is gone.
     */
    static double compilerCpuMillis(long pid) {
        long ticks = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (comm.contains("CompilerThre")) {
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException ignored) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * 1000.0 / CLOCK_TICKS;
    }

    /**
     * Milliseconds the process's Java main thread has spent runnable but waiting for a CPU, from
     * {@code /proc/PID/task/TID/schedstat} (run time, run-queue wait, slices; nanoseconds). The
     * main thread is the busiest thread named like the process ({@code java}): the launcher's
     * primordial thread only waits for it. -1 when the kernel keeps no schedstat.
     */
    static double mainThreadWaitMillis(long pid) throws IOException {
        long bestRun = -1;
        long wait = -1;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    if (!Files.readString(t.resolve("comm")).strip().equals("java")) {
                        continue;
                    }
                    String[] f =
                            Files.readString(t.resolve("schedstat")).strip().split(" ");
                    long run = Long.parseLong(f[0]);
                    if (run > bestRun) {
                        bestRun = run;
                        wait = Long.parseLong(f[1]);
                    }
                } catch (IOException | RuntimeException ignored) {
                    // the thread ended meanwhile, or no schedstat
                }
            }
        }
        return wait < 0 ? -1 : wait / 1e6;
    }

    /** USER_HZ: 100 on every Linux architecture the JDK runs on. */
    private static final int CLOCK_TICKS = 100;

    String describe() {
        return String.format(
                Locale.ROOT,
                "VmRSS %.1f MiB (anon %.1f, file %.1f, shmem %.1f)",
                vmRss / 1048576.0,
                rssAnon / 1048576.0,
                rssFile / 1048576.0,
                rssShmem / 1048576.0);
    }
}
