package dev.jvfio.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test support: reads the open-file flags of one of our fds from /proc/self/fdinfo. */
public final class FdFlags {
    private static final int O_CLOEXEC = 02000000;

    private FdFlags() {}

    public static boolean isCloseOnExec(Fd fd) throws IOException {
        return isCloseOnExec(fd.value());
    }

    public static boolean isCloseOnExec(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                int flags = Integer.parseInt(line.substring(6).trim(), 8);
                return (flags & O_CLOEXEC) != 0;
            }
        }
        throw new IOException("no flags line in fdinfo of fd " + fd);
    }
}
