package dev.jvfio.os;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A regular file that holds device memory across server restarts, used by one device at a time.
 *
 * <p>Whoever opens it takes an exclusive {@code flock(2)} lock, which lasts as long as the returned
 * fd or any duplicate of it is open, the copies passed to clients for mmap included: two servers, or
 * two devices of one server, can never map the same device memory, because each would let its guest
 * write over the other's. A second user gets {@link InUseException}, with the holder's pid where
 * {@code /proc/locks} tells. The file is never resized behind the user's back: a new (or empty) file
 * is given the size asked for; one that holds data of another size is refused
 * ({@link SizeMismatchException}) unless {@link #resize} is called for it explicitly.
 */
public final class BackingFile {
    private BackingFile() {}

    /** Another open file holds the lock: another server, or another device of this one, uses the file. */
    public static final class InUseException extends NativeException {
        private final transient Path path;
        private final long holderPid;

        InUseException(Path path, long holderPid) {
            super(
                    path + " is in use by " + (holderPid > 0 ? "pid " + holderPid : "another process")
                            + " (it holds the file's lock)",
                    "flock",
                    LinuxErrno.EAGAIN);
            this.path = path;
            this.holderPid = holderPid;
        }

        public Path path() {
            return path;
        }

        /** The pid that took the lock, if /proc/locks tells (it may have passed the file to a client and exited). */
        public OptionalLong holderPid() {
            return holderPid > 0 ? OptionalLong.of(holderPid) : OptionalLong.empty();
        }
    }

    /** The file holds data, and not as many bytes as the device memory asked for. */
    public static final class SizeMismatchException extends NativeException {
        private final transient Path path;
        private final long holds;
        private final long wanted;

        SizeMismatchException(Path path, long holds, long wanted) {
            super(
                    path + " holds " + holds + " bytes, not the " + wanted + " asked for; refusing to resize it",
                    "open",
                    LinuxErrno.EINVAL);
            this.path = path;
            this.holds = holds;
            this.wanted = wanted;
        }

        public Path path() {
            return path;
        }

        public long holds() {
            return holds;
        }

        public long wanted() {
            return wanted;
        }
    }

    /** What {@link #inspect} finds: whether the file exists and its size (0 if absent). */
    public record State(boolean exists, long size) {}

    /**
     * Opens (creating with mode 0600 if absent) {@code path} for reading and writing, close-on-exec,
     * and locks it for this device. An empty file is given {@code size} bytes; a file that already
     * has {@code size} bytes is used as it is.
     *
     * @throws InUseException        someone else holds the file's lock
     * @throws SizeMismatchException the file holds another number of bytes
     * @throws NativeException       the file cannot be opened or sized (the exception names the call)
     */
    public static Fd open(Path path, long size) throws NativeException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        String p = path.toString();
        Fd fd = Fd.adopt(Libc.open(p, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0600));
        try {
            lock(fd, path);
            long holds = Libc.fileSize(fd.value(), p);
            if (holds == 0 && size > 0) {
                Libc.ftruncate(fd.value(), size, p);
            } else if (holds != size) {
                throw new SizeMismatchException(path, holds, size);
            }
            return fd;
        } catch (NativeException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /**
     * Sets the size of the existing file at {@code path} to {@code size} under its lock: growing adds
     * zeros, shrinking drops the bytes past {@code size}. For an explicit request of the user only.
     *
     * @return the size the file had
     */
    public static long resize(Path path, long size) throws NativeException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        String p = path.toString();
        try (Fd fd = Fd.adopt(Libc.open(p, Libc.O_RDWR | Libc.O_CLOEXEC, 0))) {
            lock(fd, path);
            long had = Libc.fileSize(fd.value(), p);
            if (had != size) {
                Libc.ftruncate(fd.value(), size, p);
            }
            return had;
        }
    }

    /**
     * Whether the file exists, its size, and that nobody holds its lock (else {@link InUseException}),
     * without creating or changing anything: for checking every device's file before serving any.
     */
    public static State inspect(Path path) throws NativeException {
        String p = path.toString();
        int raw;
        try {
            raw = Libc.open(p, Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        } catch (NativeException e) {
            if (e.errno() == LinuxErrno.ENOENT) {
                return new State(false, 0);
            }
            throw e;
        }
        try (Fd fd = Fd.adopt(raw)) {
            lock(fd, path);
            return new State(true, Libc.fileSize(fd.value(), p));
        }
    }

    private static void lock(Fd fd, Path path) throws NativeException {
        int r = Libc.flock(fd.value(), Libc.LOCK_EX | Libc.LOCK_NB);
        if (r == -LinuxErrno.EAGAIN) {
            throw new InUseException(path, FileLocks.holderOf(fd));
        }
        if (r != 0) {
            throw new NativeException("flock", -r, path.toString());
        }
    }
}
