package dev.jvfio.server;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.transport.ClosedException;
import dev.jvfio.transport.PeerCredentials;
import dev.jvfio.transport.UnixConnection;
import dev.jvfio.transport.UnixServerSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * A vfio-user server for one device on one socket path. It serves one client at a time (the
 * spec's model: one client per device); a second connection while one is attached gets an error
 * reply with EBUSY to its VERSION and is closed. Peers whose uid is not allowed get EPERM. When a
 * client leaves, the device is detached and every fd and mapping of that client is released,
 * and the server waits for the next client (VU-1.4).
 */
public final class VfioUserServer implements AutoCloseable {
    /** How each session thread's name begins (benchmarks find them in {@code /proc/PID/task}). */
    public static final String SESSION_THREAD = "vfio-user session";

    private final UnixServerSocket socket;
    private final VfioDevice device;
    private final ServerOptions options;
    /** Charged with every client's fd-backed DMA windows; shared with the other servers of the process. */
    private final MappingBudget budget;

    private final Thread acceptor;
    private final Object lock = new Object();
    private Session active;
    private volatile boolean closed;

    private VfioUserServer(UnixServerSocket socket, VfioDevice device, ServerOptions options, MappingBudget budget) {
        this.socket = socket;
        this.device = device;
        this.options = options;
        this.budget = budget;
        this.acceptor =
                new Thread(this::acceptLoop, "vfio-user accept " + socket.path().getFileName());
        this.acceptor.setDaemon(true);
    }

    /**
     * Listens on {@code socketPath} and serves {@code device} until {@link #close()}, with a
     * {@link MappingBudget} of its own: for a process that serves one device. Servers of one
     * process share one budget ({@link #start(Path, VfioDevice, ServerOptions, MappingBudget)}).
     */
    public static VfioUserServer start(Path socketPath, VfioDevice device, ServerOptions options) throws IOException {
        return start(socketPath, device, options, MappingBudget.ofThisProcess());
    }

    /**
     * Listens on {@code socketPath} and serves {@code device} until {@link #close()}, charging the
     * client's fd-backed DMA windows to {@code budget}: give every server of a process the same
     * one ({@link MappingBudget#ofThisProcess()}), so that together they stay within the process's
     * limits and one device's client cannot starve the others' (VU-6.1).
     */
    public static VfioUserServer start(Path socketPath, VfioDevice device, ServerOptions options, MappingBudget budget)
            throws IOException {
        if (budget == null) {
            throw new IllegalArgumentException("a mapping budget is required");
        }
        UnixServerSocket socket = UnixServerSocket.listen(socketPath, options.access());
        VfioUserServer server = new VfioUserServer(socket, device, options, budget);
        server.acceptor.start();
        return server;
    }

    public Path socketPath() {
        return socket.path();
    }

    public VfioDevice device() {
        return device;
    }

    /** Whether a client is attached right now. */
    public boolean clientAttached() {
        synchronized (lock) {
            return active != null;
        }
    }

    /** DMA windows the attached client holds (0 without a client); for tests and diagnostics. */
    public int dmaWindows() {
        synchronized (lock) {
            return active == null ? 0 : active.dmaWindows();
        }
    }

    /** The attached client's connection, DMA windows and message counts, or empty without a client. */
    public Optional<ClientStatus> client() {
        Session s;
        synchronized (lock) {
            s = active;
        }
        return s == null ? Optional.empty() : Optional.of(s.status());
    }

    private void acceptLoop() {
        while (!closed) {
            UnixConnection conn;
            try {
                conn = socket.accept();
            } catch (ClosedException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                options.listener().error("accept failed: " + e.getMessage());
                continue;
            }
            PeerCredentials peer;
            try {
                peer = conn.peerCredentials();
            } catch (IOException e) {
                options.listener().error("SO_PEERCRED failed: " + e.getMessage());
                conn.close();
                continue;
            }
            if (!allowed(conn, peer)) {
                refuse(
                        conn,
                        peer,
                        Errno.EPERM,
                        "uid " + peer.uid() + " is not allowed"
                                + (options.allowedGids().isEmpty() ? "" : " nor in an allowed group"));
                continue;
            }
            synchronized (lock) {
                if (closed) {
                    conn.close();
                    return;
                }
                if (active != null && mayBeReconnecting(peer)) {
                    awaitSessionEnd();
                }
                if (active != null) {
                    refuse(conn, peer, Errno.EBUSY, "another client is attached to " + device.name());
                    continue;
                }
                Session[] self = new Session[1];
                try {
                    self[0] = new Session(conn, peer, device, options, budget, () -> ended(self[0]));
                    active = self[0];
                    self[0].start();
                } catch (OutOfMemoryError e) {
                    // no thread or memory for a session right now: turn this client away, keep listening
                    active = null;
                    conn.close();
                    options.listener().error("cannot start a session for pid " + peer.pid() + ": " + e.getMessage());
                }
            }
        }
    }

    /** Whether the peer's uid is allowed, or its primary or a supplementary group is (VU-1.3). */
    private boolean allowed(UnixConnection conn, PeerCredentials peer) {
        if (options.allowedUids().contains(peer.uid())) {
            return true;
        }
        if (options.allowedGids().isEmpty()) {
            return false;
        }
        if (options.allowedGids().contains(peer.gid())) {
            return true;
        }
        try {
            for (int gid : conn.peerGroups()) {
                if (options.allowedGids().contains(gid)) {
                    return true;
                }
            }
        } catch (IOException e) {
            options.listener().error("SO_PEERGROUPS failed: " + e.getMessage());
        }
        return false;
    }

    private void ended(Session s) {
        synchronized (lock) {
            if (active == s) {
                active = null;
            }
            lock.notifyAll();
        }
    }

    /**
     * Whether the newcomer may be the attached client coming back: the same process, or the attached
     * client's process is gone (its session is about to end), or the system cannot tell (pid 0: a
     * peer in another pid namespace). Anyone else is a second client and is refused at once, so that
     * refusals never queue behind one another's grace. Holds {@code lock}.
     */
    private boolean mayBeReconnecting(PeerCredentials newcomer) {
        long attached = active.peer().pid();
        return attached <= 0
                || attached == newcomer.pid()
                || !ProcessHandle.of(attached).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * A client that closes and at once reconnects races with the cleanup of its old session; give
     * an ending session a moment before calling the newcomer a second client. Holds {@code lock}.
     */
    private void awaitSessionEnd() {
        long deadline = System.nanoTime() + RECONNECT_GRACE_NS;
        while (active != null && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                lock.wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static final long RECONNECT_GRACE_NS = 500_000_000L;

    /**
     * Turns a connection away clearly: on a short-lived thread, reads the VERSION the client sends
     * first (waiting at most {@link #REFUSAL_WAIT}), answers it with an error reply carrying
     * {@code errno} and its id, then hangs up. The accept loop never blocks on a refused peer.
     */
    private void refuse(UnixConnection conn, PeerCredentials peer, int errno, String why) {
        try {
            options.listener().refused(peer, why);
        } catch (RuntimeException ignored) {
            // listeners must not break the server
        }
        if (!refusals.tryAcquire()) {
            conn.close(); // too many refusals in flight: hang up at once rather than start more threads
            return;
        }
        Thread t = new Thread(
                () -> {
                    try {
                        answerRefused(conn, errno);
                    } finally {
                        refusals.release();
                    }
                },
                "vfio-user refuse pid " + peer.pid());
        t.setDaemon(true);
        try {
            t.start();
        } catch (OutOfMemoryError e) {
            refusals.release();
            conn.close();
        }
    }

    /**
     * Refusals answered at once; each holds a thread for up to {@link #REFUSAL_WAIT}. Without a bound,
     * a peer that may reach the socket but is not allowed could make us start threads without end.
     */
    static final int MAX_CONCURRENT_REFUSALS = 8;
    /** Bytes a refused client's first message is read into (room for a VERSION with its JSON; not a page). */
    private static final long REFUSAL_BUFFER = 4096;

    private final Semaphore refusals = new Semaphore(MAX_CONCURRENT_REFUSALS);

    static final long REFUSAL_WAIT_MS = 5000;
    private static final Duration REFUSAL_WAIT = Duration.ofMillis(REFUSAL_WAIT_MS);

    private static void answerRefused(UnixConnection conn, int errno) {
        Thread watchdog = Thread.ofVirtual().unstarted(() -> {
            try {
                Thread.sleep(REFUSAL_WAIT);
                conn.shutdown();
            } catch (InterruptedException ignored) {
                // the refusal finished in time
            }
        });
        watchdog.start();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(REFUSAL_BUFFER);
            int id = 0;
            int command = Command.VERSION;
            try {
                conn.receiveFully(buf.asSlice(0, Header.SIZE), null, 0);
                id = Header.id(buf);
                command = Header.command(buf);
                long left = Math.min(Header.size(buf), 1 << 16) - Header.SIZE;
                while (left > 0) {
                    long n = Math.min(left, buf.byteSize());
                    conn.receiveFully(buf.asSlice(0, n), null, 0);
                    left -= n;
                }
            } catch (IOException | RuntimeException e) {
                // no VERSION came; answer anyway
            }
            Header.errorReply(buf, id, command, errno);
            conn.send(buf.asSlice(0, Header.SIZE));
        } catch (IOException | RuntimeException ignored) {
            // best effort: the client may already be gone
        } finally {
            watchdog.interrupt();
            conn.close();
        }
    }

    /** Stops listening, ends the client session (detaching the device), removes the socket file. */
    @Override
    public void close() {
        Session s;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            s = active;
        }
        socket.close();
        if (Thread.currentThread() != acceptor) {
            try {
                acceptor.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (s != null) {
            s.stop();
        }
    }
}
