package dev.jvfio.cli;

import java.text.MessageFormat;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Routes what jvfio's lower layers log through java.util.logging (the PCI core, the copy engine)
 * into serve's log: one line each, rate-limited, no stack trace (the exception's own line instead).
 */
final class LogBridge extends Handler {
    /** The parent logger of every dev.jvfio class. */
    static final String ROOT = "dev.jvfio";

    private final ServeLog log;

    private LogBridge(ServeLog log) {
        this.log = log;
        setLevel(Level.INFO);
    }

    /** From now on dev.jvfio.* records at INFO and above go to {@code log} only. */
    static void install(ServeLog log) {
        Logger root = Logger.getLogger(ROOT);
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        root.addHandler(new LogBridge(log));
        root.setUseParentHandlers(false);
    }

    @Override
    public void publish(LogRecord r) {
        if (!isLoggable(r)) return;
        String message = r.getMessage();
        if (r.getParameters() != null && r.getParameters().length > 0) {
            message = MessageFormat.format(message, r.getParameters());
        }
        Throwable t = r.getThrown();
        log.record(message + (t == null ? "" : ": " + t));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
