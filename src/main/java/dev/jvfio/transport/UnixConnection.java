package dev.jvfio.transport;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static dev.jvfio.transport.SocketCalls.CMSG_HDR;
import static dev.jvfio.transport.SocketCalls.CMSG_LEN_OFF;
import static dev.jvfio.transport.SocketCalls.CMSG_LEVEL_OFF;
import static dev.jvfio.transport.SocketCalls.CMSG_TYPE_OFF;
import static dev.jvfio.transport.SocketCalls.MSG_CONTROL;
import static dev.jvfio.transport.SocketCalls.MSG_CONTROLLEN;
import static dev.jvfio.transport.SocketCalls.MSG_FLAGS;
import static dev.jvfio.transport.SocketCalls.MSG_IOV;
import static dev.jvfio.transport.SocketCalls.MSG_IOVLEN;
import static dev.jvfio.transport.SocketCalls.SCM_MAX_FD;

import dev.jvfio.os.Fd;
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
 */
public final class UnixConnection implements AutoCloseable {
    /** Staging for heap segments; larger messages go through it in chunks. */
    private static final long STAGING_BYTES = 64 * 1024;

    private final SocketHandle handle;
    private final Direction out;
    private final Direction in;
    private volatile int fdsDropped;
    /** Receive by polling (MSG_DONTWAIT in a loop) instead of sleeping in the kernel. */
    private volatile boolean busyPoll;
    /** fds handed to the caller by the last receiveOnce (receiving thread only). */
    private int lastAccepted;

    /**
     * Native scratch for one direction. Only touched between {@code handle.acquire()} and
     * {@code release()}, so it is freed as soon as the connection is closed and the last call has
     * left it (not whenever the garbage collector gets to it: a client that connects and closes in
     * a loop would otherwise pile up native memory, 64 KiB of staging per direction).
     */
    private static final class Direction {
        final Arena arena = Arena.ofShared();
        final MemorySegment capture = SocketCalls.allocateCapture(arena);
        final MemorySegment msghdr = arena.allocate(SocketCalls.MSGHDR_SIZE, 8);
        final MemorySegment iov = arena.allocate(2 * SocketCalls.IOVEC_SIZE, 8); // room for send(head, body)
        final MemorySegment control = arena.allocate(SocketCalls.cmsgSpace(4L * SCM_MAX_FD), 8);
        private MemorySegment staging;

        Direction() {
            // msg_name stays NULL (connected socket); one iovec.
            msghdr.set(JAVA_LONG, MSG_IOV, iov.address());
            msghdr.set(JAVA_LONG, MSG_IOVLEN, 1L);
        }

        MemorySegment staging() {
            if (staging == null) {
                staging = arena.allocate(STAGING_BYTES, 8);
            }
            return staging;
        }
    }

    UnixConnection(Fd fd) {
        this.out = new Direction();
        this.in = new Direction();
        LIVE_SCRATCH.incrementAndGet();
        // close() frees the scratch once no call is inside; the cleaner is the safety net for a
        // connection dropped without close() (as the auto arena used to be)
        Cleaner.Cleanable scratch = CLEANER.register(this, new FreeScratch(out.arena, in.arena));
        this.handle = new SocketHandle(fd, "connection", scratch::clean);
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
                if (r == 0 || r == -SocketCalls.EISCONN) {
                    break; // EISCONN: an EINTR-interrupted connect completed meanwhile
                }
                if (r != -SocketCalls.EINTR) {
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
        busyPoll = on;
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
     * Busy-polling receives ignore it.
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
        int nfds = fds.size();
        if (nfds > SCM_MAX_FD) {
            throw new IllegalArgumentException(nfds + " fds in one message; the kernel allows at most " + SCM_MAX_FD);
        }
        long total = data.byteSize();
        if (total == 0) {
            if (nfds > 0) {
                throw new IllegalArgumentException("fds need at least one data byte to ride with");
            }
            return;
        }
        Direction d = out;
        int sock = handle.acquire();
        try {
            boolean heap = !data.isNative();
            boolean fdsPending = nfds > 0;
            long done = 0;
            while (done < total) {
                long base;
                long len;
                if (heap) {
                    MemorySegment staging = d.staging();
                    len = Math.min(total - done, staging.byteSize());
                    MemorySegment.copy(data, done, staging, 0, len);
                    base = staging.address();
                } else {
                    len = total - done;
                    base = data.address() + done;
                }
                d.iov.set(JAVA_LONG, 0, base);
                d.iov.set(JAVA_LONG, 8, len);
                if (fdsPending) {
                    long dataBytes = 4L * nfds;
                    MemorySegment c = d.control;
                    c.set(JAVA_LONG, CMSG_LEN_OFF, SocketCalls.cmsgLen(dataBytes));
                    c.set(JAVA_INT, CMSG_LEVEL_OFF, SocketCalls.SOL_SOCKET);
                    c.set(JAVA_INT, CMSG_TYPE_OFF, SocketCalls.SCM_RIGHTS);
                    for (int i = 0; i < nfds; i++) {
                        c.set(JAVA_INT, CMSG_HDR + 4L * i, fds.get(i).value());
                    }
                    d.msghdr.set(JAVA_LONG, MSG_CONTROL, c.address());
                    d.msghdr.set(JAVA_LONG, MSG_CONTROLLEN, SocketCalls.cmsgSpace(dataBytes));
                } else {
                    d.msghdr.set(JAVA_LONG, MSG_CONTROL, 0L);
                    d.msghdr.set(JAVA_LONG, MSG_CONTROLLEN, 0L);
                }
                d.msghdr.set(JAVA_INT, MSG_FLAGS, 0);
                long r = SocketCalls.sendmsg(d.capture, sock, d.msghdr, SocketCalls.MSG_NOSIGNAL);
                if (r < 0) {
                    int errno = SocketCalls.errno(d.capture);
                    if (errno == SocketCalls.EINTR) {
                        continue;
                    }
                    if (handle.isClosing()) {
                        throw new ClosedException("connection closed while sending");
                    }
                    if (errno == SocketCalls.EAGAIN) {
                        throw new SocketTimeoutException("send timed out: the peer is not reading ("
                                + sentSoFar(done, total) + ")");
                    }
                    throw new NativeException("sendmsg", errno, sentSoFar(done, total));
                }
                fdsPending = false; // the kernel attached them to the bytes just sent
                done += r;
            }
        } finally {
            handle.release();
        }
    }

    /**
     * Sends {@code head} then {@code body} as one stream of bytes, gathered by the kernel from both
     * (sendmsg with two iovecs), so a large body is not copied into a buffer first. Both must be
     * native segments (else they are sent one after the other). No fds. Loops over partial writes.
     */
    public void send(MemorySegment head, MemorySegment body) throws IOException {
        if (!head.isNative() || !body.isNative() || head.byteSize() == 0 || body.byteSize() == 0) {
            send(head);
            send(body);
            return;
        }
        long headLen = head.byteSize();
        long total = headLen + body.byteSize();
        Direction d = out;
        int sock = handle.acquire();
        try {
            long done = 0;
            while (done < total) {
                if (done < headLen) {
                    d.iov.set(JAVA_LONG, 0, head.address() + done);
                    d.iov.set(JAVA_LONG, 8, headLen - done);
                    d.iov.set(JAVA_LONG, SocketCalls.IOVEC_SIZE, body.address());
                    d.iov.set(JAVA_LONG, SocketCalls.IOVEC_SIZE + 8, body.byteSize());
                    d.msghdr.set(JAVA_LONG, MSG_IOVLEN, 2L);
                } else {
                    d.iov.set(JAVA_LONG, 0, body.address() + (done - headLen));
                    d.iov.set(JAVA_LONG, 8, total - done);
                    d.msghdr.set(JAVA_LONG, MSG_IOVLEN, 1L);
                }
                d.msghdr.set(JAVA_LONG, MSG_CONTROL, 0L);
                d.msghdr.set(JAVA_LONG, MSG_CONTROLLEN, 0L);
                d.msghdr.set(JAVA_INT, MSG_FLAGS, 0);
                long r = SocketCalls.sendmsg(d.capture, sock, d.msghdr, SocketCalls.MSG_NOSIGNAL);
                if (r < 0) {
                    int errno = SocketCalls.errno(d.capture);
                    if (errno == SocketCalls.EINTR) {
                        continue;
                    }
                    if (handle.isClosing()) {
                        throw new ClosedException("connection closed while sending");
                    }
                    throw new NativeException("sendmsg", errno, sentSoFar(done, total));
                }
                done += r;
            }
        } finally {
            d.msghdr.set(JAVA_LONG, MSG_IOVLEN, 1L); // the other send paths use one iovec
            handle.release();
        }
    }

    private static String sentSoFar(long done, long total) {
        return "after " + done + " of " + total + " bytes";
    }

    /**
     * One recvmsg of up to {@code buf.byteSize()} bytes. Received fds (close-on-exec) are appended
     * to fdsOut as owned Fd objects, up to maxFds of them; any beyond are closed at once and
     * counted by {@link #fdsDropped()}, as is a truncated control message (MSG_CTRUNC).
     *
     * @param fdsOut where received fds go; may be null when maxFds is 0
     * @return bytes received; 0 when the peer closed the connection (or after {@link #shutdown()})
     */
    public int receive(MemorySegment buf, List<Fd> fdsOut, int maxFds) throws IOException {
        if (buf.isReadOnly()) {
            throw new IllegalArgumentException("cannot receive into a read-only segment");
        }
        if (buf.byteSize() == 0) {
            throw new IllegalArgumentException("empty receive buffer");
        }
        return receiveOnce(buf, 0, buf.byteSize(), fdsOut, maxFds);
    }

    /**
     * Fills buf completely, over as many recvmsg calls as it takes. Up to maxFds fds in all are
     * appended to fdsOut; {@link #fdsDropped()} then counts the fds dropped over the whole call.
     *
     * @throws EOFException the peer closed before buf was full
     */
    public void receiveFully(MemorySegment buf, List<Fd> fdsOut, int maxFds) throws IOException {
        if (buf.isReadOnly()) {
            throw new IllegalArgumentException("cannot receive into a read-only segment");
        }
        long total = buf.byteSize();
        long done = 0;
        int accepted = 0;
        int dropped = 0;
        while (done < total) {
            int n = receiveOnce(buf, done, total - done, fdsOut, maxFds - accepted);
            accepted += lastAccepted;
            dropped += fdsDropped;
            fdsDropped = dropped;
            if (n == 0) {
                throw new EOFException("connection closed by peer after " + done + " of " + total + " bytes");
            }
            done += n;
        }
    }

    private int receiveOnce(MemorySegment buf, long offset, long length, List<Fd> fdsOut, int maxFds)
            throws IOException {
        if (maxFds < 0) {
            throw new IllegalArgumentException("negative maxFds " + maxFds);
        }
        if (maxFds > 0 && fdsOut == null) {
            throw new IllegalArgumentException("maxFds " + maxFds + " but nowhere to put fds");
        }
        Direction d = in;
        int sock = handle.acquire();
        try {
            boolean heap = !buf.isNative();
            long want = Math.min(length, Integer.MAX_VALUE);
            long base;
            if (heap) {
                MemorySegment staging = d.staging();
                want = Math.min(want, staging.byteSize());
                base = staging.address();
            } else {
                base = buf.address() + offset;
            }
            d.iov.set(JAVA_LONG, 0, base);
            d.iov.set(JAVA_LONG, 8, want);
            long r;
            boolean spin = busyPoll;
            int flags = SocketCalls.MSG_CMSG_CLOEXEC | (spin ? SocketCalls.MSG_DONTWAIT : 0);
            while (true) {
                d.msghdr.set(JAVA_LONG, MSG_CONTROL, d.control.address());
                d.msghdr.set(JAVA_LONG, MSG_CONTROLLEN, d.control.byteSize());
                d.msghdr.set(JAVA_INT, MSG_FLAGS, 0);
                r = SocketCalls.recvmsg(d.capture, sock, d.msghdr, flags);
                if (r >= 0) {
                    break;
                }
                int errno = SocketCalls.errno(d.capture);
                if (errno == SocketCalls.EINTR) {
                    continue;
                }
                if (spin && errno == SocketCalls.EAGAIN && !handle.isClosing()) {
                    Thread.onSpinWait();
                    continue;
                }
                if (handle.isClosing()) {
                    throw new ClosedException("connection closed while receiving");
                }
                if (errno == SocketCalls.EAGAIN) {
                    throw new SocketTimeoutException("receive timed out: nothing from the peer");
                }
                throw new NativeException("recvmsg", errno, null);
            }
            takeFds(d, fdsOut, maxFds);
            if (heap && r > 0) {
                MemorySegment.copy(d.staging(), 0, buf, offset, r);
            }
            return (int) r;
        } finally {
            handle.release();
        }
    }

    /** Moves fds from the control buffer of the last recvmsg into fdsOut, closing the excess. */
    private void takeFds(Direction d, List<Fd> fdsOut, int maxFds) {
        long controlLen = Math.min(d.msghdr.get(JAVA_LONG, MSG_CONTROLLEN), d.control.byteSize());
        int accepted = 0;
        int dropped = 0;
        long off = 0;
        RuntimeException failure = null;
        while (off + CMSG_HDR <= controlLen) {
            long cmsgLen = d.control.get(JAVA_LONG, off + CMSG_LEN_OFF);
            if (cmsgLen < CMSG_HDR || off + cmsgLen > controlLen) {
                break; // malformed; the kernel never produces this
            }
            int level = d.control.get(JAVA_INT, off + CMSG_LEVEL_OFF);
            int type = d.control.get(JAVA_INT, off + CMSG_TYPE_OFF);
            if (level == SocketCalls.SOL_SOCKET && type == SocketCalls.SCM_RIGHTS) {
                long count = (cmsgLen - CMSG_HDR) / 4;
                for (long i = 0; i < count; i++) {
                    int raw = d.control.get(JAVA_INT, off + CMSG_HDR + 4 * i);
                    Fd fd = Fd.adopt(raw);
                    if (accepted < maxFds && failure == null) {
                        try {
                            fdsOut.add(fd);
                            accepted++;
                            continue;
                        } catch (RuntimeException e) {
                            failure = e; // e.g. an unmodifiable list: close everything from here on
                        }
                    }
                    fd.close();
                    dropped++;
                }
            }
            off += SocketCalls.cmsgAlign(cmsgLen);
        }
        if ((d.msghdr.get(JAVA_INT, MSG_FLAGS) & SocketCalls.MSG_CTRUNC) != 0) {
            dropped++; // the kernel closed fds that did not fit; at least one was lost
        }
        lastAccepted = accepted;
        fdsDropped = dropped;
        if (failure != null) {
            throw failure;
        }
    }

    /** How many received fds the last receive (or receiveFully) closed instead of handing over. */
    public int fdsDropped() {
        return fdsDropped;
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
