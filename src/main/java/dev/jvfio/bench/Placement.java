package dev.jvfio.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Puts the threads that do a row's measured work on the same CPUs for the subject and its floor.
 * The vCPUs of a VM need not be alike: on the 2-vCPU bench VM a 64 MiB
 * {@code MemorySegment.copy} took 4.4-4.8 ms on vCPU 0 and 2.5-2.6 ms on vCPU 1 in the same
 * minute, and threads tend to stay where they first ran, so an unplaced ratio compared two vCPUs
 * as much as two programs: dma rows read 0.63 to 1.09 in runs of one build, and the idle echo
 * answered 24k-34k round trips/s while the server held 25-28k.
 *
 * <p>The bench's own thread (the client) goes to the lowest CPU it may use, the serving thread of
 * each side (the server's session or copy-engine thread, the echo's connection thread) to the
 * highest, before every warm-up and round. Nothing else is placed: other threads, and the cost of
 * waking a thread on another CPU, are what they are for both sides.
 */
final class Placement implements AutoCloseable {
    private final int lowCpu;
    private final int highCpu;
    private final long thread;
    private final String threadMask;

    private Placement(int lowCpu, int highCpu, long thread, String threadMask) {
        this.lowCpu = lowCpu;
        this.highCpu = highCpu;
        this.thread = thread;
        this.threadMask = threadMask;
    }

    /** A placement for the calling thread's rows; null when it may use a single CPU only. */
    static Placement forThisThread() throws IOException {
        long tid = currentThreadId();
        String mask = Taskset.mask(tid);
        int low = lowestCpu(mask);
        int high = highestCpu(mask);
        return low == high ? null : new Placement(low, high, tid, mask);
    }

    int lowCpu() {
        return lowCpu;
    }

    int highCpu() {
        return highCpu;
    }

    /** The calling thread (the one that made this placement) to {@code cpu}. */
    void thisThreadTo(int cpu) throws IOException {
        Taskset.cpu(thread, cpu);
    }

    /** The calling thread back to the CPUs it had. */
    void thisThreadBack() throws IOException {
        Taskset.mask(thread, threadMask);
    }

    /** How long {@link #threadsTo} waits for a thread that is still starting. */
    static final long THREAD_PATIENCE_NANOS = 5_000_000_000L;

    /**
     * Every thread of {@code pid} whose name starts with {@code prefix} to {@code cpu}; fails if there
     * is none within {@link #THREAD_PATIENCE_NANOS}. A connection's serving thread is started by the
     * child after it accepted, and takes its name in the kernel only once it runs: on a busy machine
     * that can be after the client already connected.
     */
    void threadsTo(long pid, String prefix, int cpu) throws IOException {
        long deadline = System.nanoTime() + THREAD_PATIENCE_NANOS;
        List<Long> found = threadsNamed(pid, prefix);
        while (found.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
            found = threadsNamed(pid, prefix);
        }
        if (found.isEmpty()) {
            throw new IOException("process " + pid + " has no thread named " + prefix + "... to place");
        }
        int placed = 0;
        for (long tid : found) {
            if (Taskset.cpuIfAlive(tid, cpu)) placed++;
        }
        if (placed == 0) {
            throw new IOException(
                    "process " + pid + "'s threads named " + prefix + "... ended before they were placed");
        }
    }

    @Override
    public void close() throws IOException {
        thisThreadBack();
    }

    /** The kernel's id of the calling thread: {@code /proc/thread-self} links to {@code PID/task/TID}. */
    static long currentThreadId() throws IOException {
        Path link = Files.readSymbolicLink(Path.of("/proc/thread-self"));
        return Long.parseLong(link.getFileName().toString());
    }

    /**
     * Threads of {@code pid} whose name starts with {@code prefix} (the kernel keeps 15 bytes of a
     * thread's name: "vfio-user session pid 7" is "vfio-user sessi").
     */
    static List<Long> threadsNamed(long pid, String prefix) throws IOException {
        String kept = prefix.length() > 15 ? prefix.substring(0, 15) : prefix;
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    if (Files.readString(task.resolve("comm"), StandardCharsets.UTF_8)
                            .strip()
                            .startsWith(kept)) {
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
        String digits = digits(hexMask);
        for (int i = 0; i < digits.length(); i++) {
            int nibble = Character.digit(digits.charAt(i), 16);
            if (nibble != 0) {
                return (digits.length() - 1 - i) * 4 + 31 - Integer.numberOfLeadingZeros(nibble);
            }
        }
        throw new IllegalArgumentException("empty affinity mask: " + hexMask);
    }

    /** The lowest CPU set in a hexadecimal affinity mask as {@code taskset -p} prints it. */
    static int lowestCpu(String hexMask) {
        String digits = digits(hexMask);
        for (int i = digits.length() - 1; i >= 0; i--) {
            int nibble = Character.digit(digits.charAt(i), 16);
            if (nibble != 0) {
                return (digits.length() - 1 - i) * 4 + Integer.numberOfTrailingZeros(nibble);
            }
        }
        throw new IllegalArgumentException("empty affinity mask: " + hexMask);
    }

    private static String digits(String hexMask) {
        String digits = hexMask.replace(",", "").strip();
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), 16) < 0) {
                throw new IllegalArgumentException("not an affinity mask: " + hexMask);
            }
        }
        return digits;
    }
}
