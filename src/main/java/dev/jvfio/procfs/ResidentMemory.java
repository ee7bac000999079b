package dev.jvfio.procfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size (VmRSS) of a process, from /proc/PID/status. */
public final class ResidentMemory {
    private ResidentMemory() {}

    /** VmRSS of process {@code pid} in bytes. */
    public static long bytes(long pid) {
        return fromStatus(Path.of("/proc", Long.toString(pid), "status"));
    }

    /** VmRSS of this process in bytes. */
    public static long selfBytes() {
        return fromStatus(Path.of("/proc/self/status"));
    }

    private static long fromStatus(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    // "VmRSS:     12345 kB"
                    String[] parts = line.substring(6).trim().split("\\s+");
                    long kib = Long.parseLong(parts[0]);
                    return kib * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + status, e);
        }
        throw new IllegalStateException("no VmRSS line in " + status + " (kernel thread or zombie?)");
    }
}
