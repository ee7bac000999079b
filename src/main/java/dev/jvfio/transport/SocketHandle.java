package dev.jvfio.transport;

import dev.jvfio.os.Fd;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A socket fd shared by threads that may be blocked in it while another closes it. close() first
 * shuts the socket down (which wakes blocked accept/recvmsg), and the descriptor itself is closed
 * only when the last thread using it has let go: a thread never calls into a descriptor number
 * that has been closed and perhaps reused for another file.
 */
final class SocketHandle {
    private final Fd fd;
    private final String what;
    private final AtomicInteger users = new AtomicInteger();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private final Runnable onClosed;

    SocketHandle(Fd fd, String what) {
        this(fd, what, () -> {});
    }

    /**
     * @param onClosed runs once, right after the fd is closed: no thread is inside a call then,
     *                 and none can enter one again, so it may free what the calls use
     */
    SocketHandle(Fd fd, String what, Runnable onClosed) {
        this.fd = fd;
        this.what = what;
        this.onClosed = onClosed;
    }

    Fd fd() {
        return fd;
    }

    /** Marks the fd in use and returns its number; ClosedException once close() has begun. */
    int acquire() throws ClosedException {
        users.incrementAndGet();
        if (closing.get() || !fd.isOpen()) {
            release();
            throw new ClosedException(what + " is closed");
        }
        try {
            return fd.value();
        } catch (IllegalStateException e) { // someone closed fd() itself, behind our back
            release();
            throw new ClosedException(what + " is closed");
        }
    }

    void release() {
        if (users.decrementAndGet() == 0 && closing.get()) {
            fd.close();
            if (released.compareAndSet(false, true)) {
                onClosed.run();
            }
        }
    }

    boolean isClosing() {
        return closing.get();
    }

    /** shutdown(SHUT_RDWR) without closing; a no-op once closed. */
    void shutdown() {
        int v;
        try {
            v = acquire();
        } catch (ClosedException e) {
            return;
        }
        try {
            SocketCalls.shutdown(v); // ENOTCONN (peer already gone) is fine
        } finally {
            release();
        }
    }

    /** Idempotent: shuts the socket down and closes the fd when nobody uses it any more. */
    void close() {
        users.incrementAndGet(); // hold the fd open across the shutdown below
        try {
            if (closing.compareAndSet(false, true) && fd.isOpen()) {
                try {
                    SocketCalls.shutdown(fd.value());
                } catch (IllegalStateException e) {
                    // fd() was closed directly; nothing left to shut down
                }
            }
        } finally {
            release();
        }
    }
}
