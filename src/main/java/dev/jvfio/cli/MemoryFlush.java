package dev.jvfio.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import sun.misc.Signal;

/**
 * Flush on demand: SIGUSR1 makes serve write every device memory file's dirty pages to disk
 * (fsync), so that what guests wrote so far survives a host crash; see docs/profiles.md, "What
 * survives what". {@code systemctl reload} sends it with the example unit's ExecReload.
 */
final class MemoryFlush {
    static final String SIGNAL = "USR1";

    private MemoryFlush() {}

    /** Handles SIGUSR1 for the backing files of {@code specs}; without a signal API, nothing. */
    static void onSignal(List<DeviceSpec> specs, ServeLog log) {
        List<Path> files = specs.stream()
                .map(DeviceSpec::backingFile)
                .filter(f -> f != null)
                .toList();
        try {
            Signal.handle(new Signal(SIGNAL), sig -> log.info(flush(files)));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.info("SIGUSR1 cannot flush here (" + e.getMessage() + "); 'sync FILE' flushes a backing file");
        }
    }

    /** fsyncs each file; returns the log line saying what was flushed and how long it took. */
    static String flush(List<Path> files) {
        if (files.isEmpty()) return "SIGUSR1: no backing files to flush (device memory is in memfds)";
        long start = System.nanoTime();
        StringBuilder failed = new StringBuilder();
        int done = 0;
        for (Path f : files) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                ch.force(true);
                done++;
            } catch (IOException e) {
                failed.append("; ").append(f).append(": ").append(Reasons.of(e));
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        return "SIGUSR1: flushed " + done + " backing file" + (done == 1 ? "" : "s") + " to disk in " + ms + " ms"
                + (failed.isEmpty() ? "" : ", failed" + failed);
    }
}
