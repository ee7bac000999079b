package dev.jvfio.cli;

import dev.jvfio.daemon.JournalStream;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Event lines on stderr: client connect/disconnect/reset, errors, shutdown. On a terminal or in a
 * file each event carries a timestamp; when stderr is the systemd journal (JOURNAL_STREAM) the
 * journal stamps lines itself, so they carry none and start with a {@code <N>} syslog priority
 * instead (warnings for refused clients and failed requests, info for the rest).
 */
public final class ServeLog {
    private final PrintWriter err;
    private final boolean journal;

    /** Lines for {@code err}, in the journal's form when this process's stderr is the journal. */
    public ServeLog(PrintWriter err) {
        this(err, JournalStream.isStandardError(System.getenv()));
    }

    public ServeLog(PrintWriter err, boolean journal) {
        this.err = err;
        this.journal = journal;
    }

    public synchronized void event(String device, String message) {
        line(JournalStream.INFO, device + ": " + message);
    }

    /** An event that deserves attention: a refused client, a failed request. */
    public synchronized void warning(String device, String message) {
        line(JournalStream.WARNING, device + ": " + message);
    }

    public synchronized void info(String message) {
        if (journal) {
            err.println(JournalStream.prefix(JournalStream.INFO) + "jvfio: " + message);
        } else {
            err.println("jvfio: " + message);
        }
        err.flush();
    }

    private void line(int priority, String text) {
        if (journal) {
            err.println(JournalStream.prefix(priority) + text);
        } else {
            err.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + text);
        }
        err.flush();
    }
}
