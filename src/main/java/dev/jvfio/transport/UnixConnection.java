package dev.jvfio.transport;

import dev.jvfio.os.Fd;
import dev.jvfio.os.LinuxErrno;
import dev.jvfio.os.NativeException;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connected AF_UNIX stream socket that carries file descriptors (SCM_RIGHTS) with its bytes.
 *
 * <p>One thread may send while another receives. Each direction owns preallocated native
 * scratch (msghdr, iovec, control buffer for the kernel's maximum of 253 fds, errno capture),
 * so sending or receiving a message allocates nothing beyond the received {@link Fd} objects.
 * Heap segments work too; their bytes go through a per-direction native staging buffer.
 *
 * <p>The transport of libvfio-user's {@code tran_sock.c}: this file opens, configures and closes the
 * socket; {@link SocketSender} and {@link SocketReceiver} move the bytes and fds, each over its own
 * {@link MessageScratch}.
 */
public final class UnixConnection implements AutoCloseable {
    private final SocketHandle handle;
    private final MessageScratch out;
    private final MessageScratch in;
    private final SocketSender sender;
    private final SocketReceiver receiver;

    UnixConnection(Fd fd) {
        this.out = new MessageScratch();
        this.in = new MessageScratch();
        LIVE_SCRATCH.incrementAndGet();
        // close() frees the scratch once no call is inside; the cleaner is the safety net for a
        // connection dropped without close(), so its native memory is not lost with it
        Cleaner.Cleanable scratch = CLEANER.register(this, new FreeScratch(out.arena, in.arena));
        this.handle = new SocketHandle(fd, "connection", scratch::clean);
        this.sender = new SocketSender(handle, out);
        this.receiver = new SocketReceiver(handle, in);
    }

    /** True once this connection's native scratch has been freed (for leak tests). */
    boolean scratchFreed() {
        return !out.arena.scope().isAlive() && !in.arena.scope().isAlive();
    }

    /** Connections whose native scratch has not been freed yet (for leak tests). */
    static final AtomicInteger LIVE_SCRATCH = new AtomicInteger();

    private static final Cleaner CLEANER = Cleaner.create();

    /** Frees both directions' scratch, once (a Cleanable runs its action at most once). */
    private record FreeScratch(Arena out, Arena in) implements Runnable {
        @Override
        public void run() {
            LIVE_SCRATCH.decrementAndGet();
            out.close();
            in.close();
        }
    }

    /** Connects to a listening socket at path. */
    public static UnixConnection connect(Path path) throws IOException {
        byte[] pathBytes = SocketCalls.pathBytes(path);
        Fd fd = Fd.adopt(SocketCalls.socket());
        try {
            while (true) {
                int r = SocketCalls.connect(fd.value(), pathBytes);
                if (r == 0 || r == -LinuxErrno.EISCONN) {
                    break; // EISCONN: an EINTR-interrupted connect completed meanwhile
                }
                if (r != -LinuxErrno.EINTR) {
                    throw new NativeException("connect", -r, path.toString());
                }
            }
            return new UnixConnection(fd);
        } catch (IOException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** Two connected ends (socketpair), e.g. for a twin socket or tests. */
    public static UnixConnection[] pair() throws IOException {
        int[] fds = SocketCalls.socketpair();
        return new UnixConnection[] {new UnixConnection(Fd.adopt(fds[0])), new UnixConnection(Fd.adopt(fds[1]))};
    }

    /**
     * Busy-polling receive: when on, receive calls spin on a non-blocking recvmsg instead of
     * sleeping in the kernel until bytes arrive. This trades a CPU for the wake-up latency of a
     * sleeping thread (the benchmark's {@code --spin}); sends and the socket's own flags are
     * unchanged. Off by default.
     */
    public void busyPoll(boolean on) {
        receiver.busyPoll(on);
    }

    /**
     * Bounded busy-polling receive: each receive call polls for up to {@code nanos}, then sleeps in
     * the kernel until bytes arrive, as a host polls a halted vCPU before it schedules it out (the
     * benchmark's {@code --halt-poll}). 0 turns polling off; see {@link #busyPoll(boolean)}.
     */
    public void pollFirst(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("a poll time is not negative: " + nanos);
        }
        receiver.pollFirst(nanos);
    }

    /**
     * Bounds how long one send may wait for the peer to make room (SO_SNDTIMEO): a peer that
     * stops reading then costs a {@link SocketTimeoutException} instead of a thread forever.
     * The message may have gone out in part, so the stream is no longer usable: close it.
     * {@link Duration#ZERO} waits forever (the default).
     */
    public void sendTimeout(Duration timeout) throws IOException {
        setTimeout(SocketCalls.SO_SNDTIMEO, timeout);
    }

    /**
     * Bounds how long one receive waits for bytes (SO_RCVTIMEO); it then throws
     * {@link SocketTimeoutException}. {@link Duration#ZERO} waits forever (the default).
     * Receives that busy-poll for good ({@link #busyPoll}) ignore it; with {@link #pollFirst} it
     * applies once the poll is over, so a receive waits at most the poll time plus the timeout.
     */
    public void receiveTimeout(Duration timeout) throws IOException {
        setTimeout(SocketCalls.SO_RCVTIMEO, timeout);
    }

    private void setTimeout(int option, Duration timeout) throws IOException {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        long micros = timeout.toNanos() / 1000;
        if (!timeout.isZero() && micros == 0) {
            micros = 1; // a timeval of 0 would mean "forever"
        }
        int sock = handle.acquire();
        try {
            SocketCalls.setTimeout(sock, option, micros / 1_000_000, micros % 1_000_000);
        } finally {
            handle.release();
        }
    }

    /** The socket's descriptor, still owned by this connection. */
    public Fd fd() {
        return handle.fd();
    }

    /** Sends all bytes of data, without fds. */
    public void send(MemorySegment data) throws IOException {
        send(data, List.of());
    }

    /**
     * Sends all bytes of data; copies of {@code fds} ride with the first bytes (the caller keeps
     * ownership of its Fd objects). Loops over partial writes and EINTR. A peer that has gone
     * gives a NativeException with EPIPE (never SIGPIPE).
     *
     * @throws IllegalArgumentException more than 253 fds, or fds without at least one data byte
     */
    public void send(MemorySegment data, List<Fd> fds) throws IOException {
        sender.send(data, fds);
    }

    /**
     * Sends {@code head} then {@code body} as one stream of bytes, gathered by the kernel from both
     * (sendmsg with two iovecs), so a large body is not copied into a buffer first. Both must be
     * native segments (else they are sent one after the other). No fds. Loops over partial writes.
     */
    public void send(MemorySegment head, MemorySegment body) throws IOException {
        sender.send(head, body);
    }

    /**
     * One recvmsg of up to {@code buf.byteSize()} bytes. Received fds (close-on-exec) are appended
     * to fdsOut as owned Fd objects, up to maxFds of them; any beyond are closed at once and
     * counted by {@link #fdsDropped()}, as is a truncated control message (MSG_CTRUNC).
     *
     * @param buf where the bytes go
     * @param fdsOut where received fds go; may be null when maxFds is 0
     * @param maxFds how many fds to hand over at most
     * @return bytes received; 0 when the peer closed the connection (or after {@link #shutdown()})
     * @throws IOException the socket failed, timed out or was closed meanwhile
     */
    public int receive(MemorySegment buf, List<Fd> fdsOut, int maxFds) throws IOException {
        return receiver.receive(buf, fdsOut, maxFds);
    }

    /**
     * One recvmsg that fills {@code head} first, then {@code body} (scatter): a reply whose fields
     * and data belong in different places arrives in one system call. Both native, not empty.
     *
     * @return bytes received in all; 0 when the peer closed the connection
     */
    public int receive(MemorySegment head, MemorySegment body, List<Fd> fdsOut, int maxFds) throws IOException {
        return receiver.receive(head, body, fdsOut, maxFds);
    }

    /**
     * Fills buf completely, over as many recvmsg calls as it takes. Up to maxFds fds in all are
     * appended to fdsOut; {@link #fdsDropped()} then counts the fds dropped over the whole call.
     *
     * @param buf where the bytes go
     * @param fdsOut where received fds go; may be null when maxFds is 0
     * @param maxFds how many fds to hand over at most
     * @throws EOFException the peer closed before buf was full
     * @throws IOException the socket failed, timed out or was closed meanwhile
     */
    public void receiveFully(MemorySegment buf, List<Fd> fdsOut, int maxFds) throws IOException {
        receiver.receiveFully(buf, fdsOut, maxFds);
    }

    /** How many received fds the last receive (or receiveFully) closed instead of handing over. */
    public int fdsDropped() {
        return receiver.fdsDropped();
    }

    /** The peer's pid, uid and gid as of connect time (SO_PEERCRED). */
    public PeerCredentials peerCredentials() throws IOException {
        int sock = handle.acquire();
        try {
            int[] c = SocketCalls.peerCredentials(sock);
            return new PeerCredentials(c[0], c[1], c[2]);
        } finally {
            handle.release();
        }
    }

    /**
     * The peer's supplementary groups as the kernel recorded them at connect time (SO_PEERGROUPS),
     * so a server can admit the members of a group whatever their uid or primary group.
     */
    public int[] peerGroups() throws IOException {
        int sock = handle.acquire();
        try {
            return SocketCalls.peerGroups(sock);
        } finally {
            handle.release();
        }
    }

    /**
     * shutdown(SHUT_RDWR): a receive blocked in another thread returns 0, later sends fail, and
     * the peer sees end of file. Idempotent; the fd stays open until {@link #close()}.
     */
    public void shutdown() {
        handle.shutdown();
    }

    /** Shuts the socket down and closes it (once no thread is inside a call). Idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "UnixConnection(" + handle.fd() + ")";
    }
}
