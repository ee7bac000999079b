package dev.jvfio.cli;

import dev.jvfio.units.ByteSize;
import java.io.PrintWriter;

/**
 * Feedback for long work (creating or pre-faulting tens of GiB of device memory): a line that is
 * rewritten in place on a terminal, and a few plain lines otherwise.
 */
public final class Progress {
    private final PrintWriter err;
    private final boolean terminal;
    private String task;
    private long startNanos;
    private int lastPercent = -1;

    public Progress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    public synchronized void begin(String task) {
        this.task = task;
        this.startNanos = System.nanoTime();
        this.lastPercent = -1;
        err.print("jvfio: " + task + "..." + (terminal ? "" : "\n"));
        err.flush();
    }

    /** Reports {@code done} of {@code total} bytes; prints at most every 10% when not on a terminal. */
    public synchronized void update(long done, long total) {
        if (total <= 0) return;
        int percent = (int) Math.min(100, done * 100 / total);
        if (percent == lastPercent || (!terminal && percent / 10 == lastPercent / 10 && lastPercent >= 0)) return;
        lastPercent = percent;
        String line = "jvfio: " + task + ": " + new ByteSize(done).human() + " of " + new ByteSize(total).human() + " ("
                + percent + "%)";
        err.print(terminal ? "\r" + line : line + "\n");
        err.flush();
    }

    public synchronized void done() {
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        String line = "jvfio: " + task + ": done in " + (ms < 1000 ? ms + " ms" : String.format("%.1f s", ms / 1000.0));
        err.print(terminal ? "\r" + line + "\033[K\n" : line + "\n");
        err.flush();
    }
}
