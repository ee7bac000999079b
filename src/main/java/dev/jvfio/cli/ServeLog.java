package dev.jvfio.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Timestamped event lines on stderr: client connect/disconnect/reset, errors, shutdown. */
public final class ServeLog {
    private final PrintWriter err;

    public ServeLog(PrintWriter err) {
        this.err = err;
    }

    public synchronized void event(String device, String message) {
        err.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + device + ": " + message);
        err.flush();
    }

    public synchronized void info(String message) {
        err.println("jvfio: " + message);
        err.flush();
    }
}
