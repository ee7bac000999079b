package dev.jvfio.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Who holds a lock on a file, from {@code /proc/locks}: one line per lock, such as
 * {@code 1: FLOCK  ADVISORY  WRITE 1234 fe:00:2154533 0 EOF}, with the pid that took it and the
 * file as major:minor (hex) of its filesystem and inode number (proc(5)).
 */
final class FileLocks {
    private FileLocks() {}

    /** The pid holding a lock on the file open as {@code fd}, or 0 when the system cannot tell. */
    static long holderOf(Fd fd) {
        try {
            Map<String, Object> a =
                    Files.readAttributes(Path.of("/proc/self/fd", Integer.toString(fd.value())), "unix:dev,ino");
            long dev = (Long) a.get("dev");
            long ino = (Long) a.get("ino");
            return holderOf(
                    Files.readAllLines(Path.of("/proc/locks")),
                    major(dev),
                    minor(dev),
                    ino,
                    ProcessHandle.current().pid());
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * The pid of the first lock on (major, minor, inode) in {@code lines} that is not a waiter
     * ({@code ->}) and not ours, or 0. Our own pid holds every flock our open files hold; a second
     * device of this process on the same file finds that pid again, which is right.
     */
    static long holderOf(List<String> lines, long major, long minor, long inode, long self) {
        long ours = 0;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || f[1].equals("->")) {
                continue;
            }
            String[] id = f[5].split(":");
            if (id.length != 3) {
                continue;
            }
            try {
                if (Long.parseLong(id[0], 16) == major
                        && Long.parseLong(id[1], 16) == minor
                        && Long.parseLong(id[2]) == inode) {
                    long pid = Long.parseLong(f[4]);
                    if (pid != self) {
                        return pid;
                    }
                    ours = pid;
                }
            } catch (NumberFormatException e) {
                // a line of another format: not the one we look for
            }
        }
        return ours;
    }

    /** glibc's gnu_dev_major: the major number of a userspace dev_t. */
    static long major(long dev) {
        return ((dev & 0xfff00L) >>> 8) | ((dev & 0xfffff00000000000L) >>> 32);
    }

    /** glibc's gnu_dev_minor. */
    static long minor(long dev) {
        return (dev & 0xffL) | ((dev & 0xffffff00000L) >>> 12);
    }
}
