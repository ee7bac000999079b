package dev.jvfio.os;

import java.nio.file.Path;

/** A regular file that holds device memory across server restarts. */
public final class BackingFile {
    private BackingFile() {}

    /**
     * Opens (creating with mode 0600 if absent) {@code path} for reading and writing, close-on-exec,
     * and grows it to {@code size} bytes if it is shorter. A longer file is never truncated: its
     * bytes are someone's device memory.
     */
    public static Fd open(Path path, long size) throws NativeException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        String p = path.toString();
        Fd fd = Fd.adopt(Libc.open(p, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0600));
        try {
            if (Libc.fileSize(fd.value(), p) < size) {
                Libc.ftruncate(fd.value(), size, p);
            }
            return fd;
        } catch (NativeException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }
}
