package dev.jvfio.bench;

import dev.jvfio.pci.CopyEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts the two threads that copy in the {@code dma} rows on one CPU: the server's copy-engine
 * worker during subject rounds, this process's floor thread during floor rounds. The vCPUs of a VM
 * need not copy alike: on the 2-vCPU bench VM a 64 MiB {@code MemorySegment.copy} took 4.4-4.8 ms
 * on vCPU 0 and 2.5-2.6 ms on vCPU 1 in the same minute (issue 11, {@code taskset -c N}), and the
 * worker and the floor thread each tend to stay where they first ran, so an unpinned ratio
 * compared two vCPUs (0.63 to 1.09 in runs of one build) more than the engine with memcpy.
 * Only the copying threads are placed: the client thread that rings and waits, the session thread
 * and everything else stay where the scheduler puts them, so wake-ups cost what they cost.
 */
final class CopyCpu implements AutoCloseable {
    private static final String WORKER = CopyEngine.WORKER_THREAD;

    private final int cpu;
    private final long serverPid;
    private final long floorThread;
    private final String floorThreadMask;

    private CopyCpu(int cpu, long serverPid, long floorThread, String floorThreadMask) {
        this.cpu = cpu;
        this.serverPid = serverPid;
        this.floorThread = floorThread;
        this.floorThreadMask = floorThreadMask;
    }

    /** Placement on the highest-numbered CPU this thread may use (CPU 0 takes more housekeeping). */
    static CopyCpu forThisThread(long serverPid) throws IOException {
        long tid = currentThreadId();
        String mask = Taskset.mask(tid);
        return new CopyCpu(highestCpu(mask), serverPid, tid, mask);
    }

    int cpu() {
        return cpu;
    }

    /** Before a floor round: the floor copies on this thread, which goes to the CPU. */
    void floorRound() throws IOException {
        Taskset.cpu(floorThread, cpu);
    }

    /** Before a subject round: this thread back where it was; the server's workers to the CPU. */
    void subjectRound() throws IOException {
        Taskset.mask(floorThread, floorThreadMask);
        List<Long> workers = threadsNamed(serverPid, WORKER);
        if (workers.isEmpty()) {
            throw new IOException("the server (pid " + serverPid + ") has no " + WORKER + " thread to place");
        }
        for (long tid : workers) {
            Taskset.cpu(tid, cpu);
        }
    }

    @Override
    public void close() throws IOException {
        Taskset.mask(floorThread, floorThreadMask);
    }

    /** The kernel's id of the calling thread: {@code /proc/thread-self} links to {@code PID/task/TID}. */
    static long currentThreadId() throws IOException {
        Path link = Files.readSymbolicLink(Path.of("/proc/thread-self"));
        return Long.parseLong(link.getFileName().toString());
    }

    /** Threads of {@code pid} whose name is {@code name}. */
    static List<Long> threadsNamed(long pid, String name) throws IOException {
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    if (Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip().equals(name)) {
                        found.add(Long.parseLong(task.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // the thread ended while we looked
                }
            }
        }
        return found;
    }

    /** The highest CPU set in a hexadecimal affinity mask as {@code taskset -p} prints it. */
    static int highestCpu(String hexMask) {
        String digits = hexMask.replace(",", "").strip();
        for (int i = 0; i < digits.length(); i++) {
            int nibble = Character.digit(digits.charAt(i), 16);
            if (nibble < 0) {
                throw new IllegalArgumentException("not an affinity mask: " + hexMask);
            }
            if (nibble != 0) {
                int bitsBelow = (digits.length() - 1 - i) * 4;
                return bitsBelow + 31 - Integer.numberOfLeadingZeros(nibble);
            }
        }
        throw new IllegalArgumentException("empty affinity mask: " + hexMask);
    }
}
