package dev.jvfio.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Whether standard error goes straight to the systemd journal. systemd sets
 * {@code JOURNAL_STREAM=DEVICE:INODE} for a service whose output it connects to journald; as
 * systemd.exec(5) advises, the variable counts only when standard error is still that very stream
 * (a child started with its stderr redirected inherits the variable but not the stream). The
 * journal then stamps every line itself and reads a syslog priority from a {@code <N>} prefix.
 */
public final class JournalStream {
    private JournalStream() {}

    /** syslog(3) priorities the journal understands as line prefixes. */
    public static final int ERR = 3;

    public static final int WARNING = 4;
    public static final int NOTICE = 5;
    public static final int INFO = 6;

    /** Whether this process's standard error is the journal stream named in {@code env}. */
    public static boolean isStandardError(Map<String, String> env) {
        return matches(env.get("JOURNAL_STREAM"), Path.of("/proc/self/fd/2"));
    }

    /** Whether {@code journalStream} ("DEVICE:INODE", decimal) names the file {@code fd} is open on. */
    static boolean matches(String journalStream, Path fd) {
        if (journalStream == null) return false;
        int colon = journalStream.indexOf(':');
        if (colon <= 0) return false;
        try {
            long dev = Long.parseUnsignedLong(journalStream.substring(0, colon));
            long ino = Long.parseUnsignedLong(journalStream.substring(colon + 1));
            Object d = Files.getAttribute(fd, "unix:dev");
            Object i = Files.getAttribute(fd, "unix:ino");
            return d instanceof Long dv && i instanceof Long iv && dv == dev && iv == ino;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The prefix that gives a line syslog priority {@code priority} in the journal. */
    public static String prefix(int priority) {
        return "<" + priority + ">";
    }
}
