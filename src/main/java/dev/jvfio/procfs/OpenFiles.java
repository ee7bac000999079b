package dev.jvfio.procfs;

import java.io.File;

/** How many file descriptors this process has open; tests use it to prove that nothing leaks. */
public final class OpenFiles {
    private OpenFiles() {}

    /** Entries of /proc/self/fd, not counting the one the listing itself opens. */
    public static int count() {
        String[] names = new File("/proc/self/fd").list();
        if (names == null) {
            throw new IllegalStateException("cannot list /proc/self/fd");
        }
        // opendir() of /proc/self/fd holds one descriptor while the listing runs, and that
        // descriptor shows up in the listing.
        return names.length - 1;
    }
}
