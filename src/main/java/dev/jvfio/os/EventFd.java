package dev.jvfio.os;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A Linux eventfd: a 64-bit counter that a writer adds to and a reader drains. vfio-user uses
 * them for interrupts: the device signals a vector by writing the 8-byte value 1.
 */
public final class EventFd implements AutoCloseable {
    /** The 8-byte value 1; write(2) only reads it, so all threads may share it. */
    private static final MemorySegment ONE = Arena.global().allocate(JAVA_LONG);

    static {
        ONE.set(JAVA_LONG, 0, 1L);
    }

    private static final Duration FOREVER = Duration.ofDays(365L * 100);

    private final Fd fd;

    private EventFd(Fd fd) {
        this.fd = fd;
    }

    /** A new eventfd with counter 0, blocking, close-on-exec. */
    public static EventFd create() throws NativeException {
        return new EventFd(Fd.adopt(Libc.eventfd(0, Libc.EFD_CLOEXEC)));
    }

    /** The owned descriptor (closed by {@link #close()}); duplicate it to hand it out. */
    public Fd fd() {
        return fd;
    }

    /** Adds 1 to the counter, waking a reader. */
    public void signal() throws NativeException {
        signal(fd);
    }

    /** Adds 1 to the counter of any eventfd (e.g. one received from a client). Allocates nothing. */
    public static void signal(Fd eventfd) throws NativeException {
        long n = Libc.write(eventfd.value(), ONE, eventfd);
        if (n != 8) {
            throw new NativeException("write", LinuxErrno.EIO, "short write to eventfd " + eventfd);
        }
    }

    /**
     * Whether fd is an eventfd. A peer may pass any fd where an eventfd is expected; a pipe or
     * socket whose reader never drains it would make {@link #signal(Fd)} block, so check first.
     */
    public static boolean isEventFd(Fd fd) {
        try {
            Path target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd.value()));
            return target.toString().equals("anon_inode:[eventfd]");
        } catch (IOException e) {
            return false;
        }
    }

    /** Blocks until the counter is non-zero, then returns it and resets it to 0. */
    public long take() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(JAVA_LONG);
            long n = Libc.read(fd.value(), buf, fd);
            if (n != 8) {
                throw new NativeException("read", LinuxErrno.EIO, "short read from eventfd " + fd);
            }
            return buf.get(JAVA_LONG, 0);
        }
    }

    /**
     * Waits up to {@code timeout} for a signal; if one came, drains the counter and returns true.
     * Meant for a single waiter: a second thread draining the counter between the poll and the
     * read would make this read block.
     */
    public boolean await(Duration timeout) throws NativeException {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        // Longer than ~292 years would overflow nanoTime arithmetic; that is "forever" anyway.
        long nanos = timeout.compareTo(FOREVER) >= 0 ? FOREVER.toNanos() : timeout.toNanos();
        long deadline = System.nanoTime() + nanos;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8, 4);
            while (true) {
                long leftNanos = deadline - System.nanoTime();
                int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(0, (leftNanos + 999_999) / 1_000_000));
                if (Libc.pollReadable(fd.value(), millis, pollfd)) {
                    take();
                    return true;
                }
                if (deadline - System.nanoTime() <= 0) {
                    return false;
                }
            }
        }
    }

    /**
     * Like {@link #await}, but first polls without sleeping for up to {@code spin}: a waiter that
     * expects the signal soon keeps its CPU awake instead of paying for a sleep and a wake-up.
     */
    public boolean awaitSpinning(Duration spin, Duration timeout) throws NativeException {
        long until = System.nanoTime() + spin.toNanos();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8, 4);
            while (System.nanoTime() - until < 0) {
                if (Libc.pollReadable(fd.value(), 0, pollfd)) {
                    take();
                    return true;
                }
                Thread.onSpinWait();
            }
        }
        return await(timeout);
    }

    /**
     * Makes reads of {@code eventfd} return EAGAIN instead of blocking when its counter is 0. The
     * flag belongs to the open file, so every duplicate (the client's own) sees it too; for an
     * eventfd that only signals, nobody notices. A watcher of a client's eventfd needs it: the client
     * may drain the counter between our poll and our read.
     */
    public static void makeNonBlocking(Fd eventfd) throws NativeException {
        Libc.setNonBlocking(eventfd.value());
    }

    /**
     * Waits until {@code watched} (a non-blocking eventfd, see {@link #makeNonBlocking}) is
     * signalled or {@code stop} is. Returns true after draining a signal of watched; false once
     * stop is signalled (left signalled, so later calls return false at once) or watched can no
     * longer be polled. A signal that someone else drained first is no signal: it waits on.
     */
    public static boolean awaitEither(Fd watched, EventFd stop) throws NativeException {
        int bad = Libc.POLLERR | Libc.POLLHUP | Libc.POLLNVAL;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfds = arena.allocate(16, 4);
            MemorySegment buf = arena.allocate(JAVA_LONG);
            while (true) {
                int revents = Libc.pollTwo(watched.value(), stop.fd.value(), pollfds);
                if ((revents >>> 16) != 0 || (revents & bad) != 0) {
                    return false;
                }
                if ((revents & Libc.POLLIN) != 0) {
                    try {
                        if (Libc.read(watched.value(), buf, watched) == 8) {
                            return true;
                        }
                    } catch (NativeException e) {
                        if (e.errno() != LinuxErrno.EAGAIN) {
                            throw e;
                        }
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "EventFd(" + fd + ")";
    }
}
