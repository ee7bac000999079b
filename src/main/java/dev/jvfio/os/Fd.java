package dev.jvfio.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An owned Linux file descriptor. Closing it closes the descriptor exactly once, even when
 * {@link #close()} races with itself; {@link #value()} after close throws, so a recycled
 * descriptor number can never be used by mistake.
 */
public final class Fd implements AutoCloseable {
    private static final int CLOSED = -1;
    private final AtomicInteger fd;

    private Fd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + fd);
        }
        this.fd = new AtomicInteger(fd);
    }

    /** Takes ownership of a raw descriptor. */
    public static Fd adopt(int fd) {
        return new Fd(fd);
    }

    /** The raw descriptor number; IllegalStateException once closed. */
    public int value() {
        int v = fd.get();
        if (v == CLOSED) {
            throw new IllegalStateException("file descriptor already closed");
        }
        return v;
    }

    public boolean isOpen() {
        return fd.get() != CLOSED;
    }

    /** A new owned descriptor for the same open file (dup(2) with O_CLOEXEC). */
    public Fd duplicate() throws NativeException {
        return adopt(Libc.dupCloexec(value()));
    }

    /**
     * The size of the open file if it is a regular file (memfds are), else -1 (socket, pipe,
     * eventfd, device). The JDK stats {@code /proc/self/fd/N}, which the kernel resolves to the
     * open file itself, unlinked or anonymous: so we need no {@code struct stat} of our own, whose
     * layout differs between x86-64 (st_mode at 24 of 144 bytes) and aarch64 (16 of 128).
     *
     * @throws NativeException EBADF if the descriptor is not open, EIO if /proc cannot tell
     */
    public long regularFileSize() throws NativeException {
        int v = value();
        try {
            BasicFileAttributes a =
                    Files.readAttributes(Path.of("/proc/self/fd", Integer.toString(v)), BasicFileAttributes.class);
            return a.isRegularFile() ? a.size() : -1;
        } catch (NoSuchFileException e) {
            throw new NativeException("stat(/proc/self/fd/" + v + ")", LinuxErrno.EBADF, e.getMessage());
        } catch (IOException e) {
            throw new NativeException("stat(/proc/self/fd/" + v + ")", LinuxErrno.EIO, e.toString());
        }
    }

    @Override
    public void close() {
        int v = fd.getAndSet(CLOSED);
        if (v != CLOSED) {
            Libc.closeQuietly(v);
        }
    }

    @Override
    public String toString() {
        int v = fd.get();
        return v == CLOSED ? "Fd(closed)" : "Fd(" + v + ")";
    }
}
