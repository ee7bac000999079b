package dev.jvfio.os;

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
