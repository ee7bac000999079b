package dev.jvfio.cli;

import dev.jvfio.daemon.JournalStream;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Event lines on stderr: client connect/disconnect/reset, errors, shutdown. On a terminal or in a
 * file each line carries a timestamp; when stderr is the systemd journal (JOURNAL_STREAM) the
 * journal stamps lines itself, so they carry none and start with a {@code <N>} syslog priority
 * instead (warnings for refused clients and failed requests, info for the rest). Repeated
 * lines are rate-limited: of the lines that differ only in their numbers (ids, pids, offsets), at
 * most {@link #BURST} are printed per {@link #WINDOW_SECONDS} s, and once the window is over one line
 * says how many more there were. A client that makes 5,000 requests fail, or a refused peer that
 * connects in a loop, costs a few lines, not one per attempt.
 */
public final class ServeLog {
    static final int BURST = 5;
    static final long WINDOW_SECONDS = 10;
    /** Kinds of lines tracked at once; past this, windows that are over are dropped first. */
    static final int MAX_KINDS = 1024;

    private static final Pattern NUMBERS = Pattern.compile("0x[0-9a-fA-F]+|\\d+");

    private final PrintWriter err;
    private final boolean journal;
    private final LongSupplier nanoClock;
    private final boolean flushInBackground;
    private final Map<String, Window> windows = new LinkedHashMap<>();
    private Thread flusher;

    /** One kind of line in its current window. */
    private static final class Window {
        final long start;
        final String sample;
        final int priority;
        int shown;
        long suppressed;

        Window(long start, String sample, int priority) {
            this.start = start;
            this.sample = sample;
            this.priority = priority;
        }
    }

    /** Lines for {@code err}, in the journal's form when this process's stderr is the journal. */
    public ServeLog(PrintWriter err) {
        this(err, JournalStream.isStandardError(System.getenv()));
    }

    public ServeLog(PrintWriter err, boolean journal) {
        this(err, journal, System::nanoTime, true);
    }

    /** With a clock of its own; without {@code flushInBackground}, counts are printed by later lines and {@link #flush()}. */
    ServeLog(PrintWriter err, LongSupplier nanoClock, boolean flushInBackground) {
        this(err, false, nanoClock, flushInBackground);
    }

    private ServeLog(PrintWriter err, boolean journal, LongSupplier nanoClock, boolean flushInBackground) {
        this.err = err;
        this.journal = journal;
        this.nanoClock = nanoClock;
        this.flushInBackground = flushInBackground;
    }

    public synchronized void event(String device, String message) {
        limited(JournalStream.INFO, device + ": ", message);
    }

    /** An event that deserves attention: a refused client, a failed request. */
    public synchronized void warning(String device, String message) {
        limited(JournalStream.WARNING, device + ": ", message);
    }

    /** A line of a lower layer's log (java.util.logging), already naming its device; rate-limited like events. */
    public synchronized void record(String message) {
        int colon = message.indexOf(": ");
        limited(
                JournalStream.WARNING,
                colon < 0 ? "" : message.substring(0, colon + 2),
                colon < 0 ? message : message.substring(colon + 2));
    }

    /** serve's own lines (creating, ready, stopping): few, never limited. */
    public synchronized void info(String message) {
        err.println((journal ? JournalStream.prefix(JournalStream.INFO) : "") + "jvfio: " + message);
        err.flush();
    }

    /** {@code who} (the device) is kept as it is; numbers in {@code message} do not make a new kind of line. */
    private void limited(int priority, String who, String message) {
        String line = who + message;
        long now = nanoClock.getAsLong();
        endWindows(now, false);
        String kind = who + NUMBERS.matcher(message).replaceAll("#");
        Window w = windows.get(kind);
        if (w == null) {
            if (windows.size() >= MAX_KINDS) endWindows(now, true);
            w = new Window(now, kind, priority);
            windows.put(kind, w);
        }
        if (w.shown < BURST) {
            w.shown++;
            print(priority, line);
        } else {
            w.suppressed++;
            startFlusher();
        }
    }

    /** Prints the counts of windows that are over (all of them with {@code all}) and forgets those windows. */
    private void endWindows(long now, boolean all) {
        long window = TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);
        for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
            Window w = it.next();
            if (all || now - w.start >= window) {
                if (w.suppressed > 0) {
                    print(
                            w.priority,
                            w.suppressed + " more line" + (w.suppressed == 1 ? "" : "s") + " like \"" + w.sample
                                    + "\" in " + WINDOW_SECONDS + " s, not shown");
                }
                it.remove();
            }
        }
    }

    /** Prints every pending count now (at stop, and for tests). */
    public synchronized void flush() {
        endWindows(nanoClock.getAsLong(), true);
    }

    private void print(int priority, String line) {
        if (journal) {
            err.println(JournalStream.prefix(priority) + line);
        } else {
            err.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + line);
        }
        err.flush();
    }

    /** Counts must come out even when no line follows: a daemon thread looks once a second. */
    private void startFlusher() {
        if (!flushInBackground || flusher != null) return;
        flusher = Thread.ofPlatform().daemon().name("jvfio-log").start(() -> {
            try {
                while (true) {
                    Thread.sleep(1000);
                    synchronized (this) {
                        endWindows(nanoClock.getAsLong(), false);
                    }
                }
            } catch (InterruptedException e) {
                // the JVM is going
            }
        });
    }
}
