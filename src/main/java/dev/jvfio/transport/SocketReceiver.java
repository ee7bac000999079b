package dev.jvfio.transport;

import static dev.jvfio.transport.MsgHdr.CMSG_HDR;
import static dev.jvfio.transport.MsgHdr.CMSG_LEN_OFF;
import static dev.jvfio.transport.MsgHdr.CMSG_LEVEL_OFF;
import static dev.jvfio.transport.MsgHdr.CMSG_TYPE_OFF;
import static dev.jvfio.transport.MsgHdr.MSG_CONTROL;
import static dev.jvfio.transport.MsgHdr.MSG_CONTROLLEN;
import static dev.jvfio.transport.MsgHdr.MSG_FLAGS;
import static dev.jvfio.transport.MsgHdr.MSG_IOVLEN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jvfio.linker.Downcalls;
import dev.jvfio.os.Fd;
import dev.jvfio.os.LinuxErrno;
import dev.jvfio.os.NativeException;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketTimeoutException;
import java.util.List;

/**
 * The receiving direction of a {@link UnixConnection}: recvmsg (blocking or busy-polling) with
 * close-on-exec fds taken from SCM_RIGHTS, excess and truncated fds closed and counted, heap segments
 * through the staging buffer (libvfio-user's {@code tran_sock.c} receive side). One receiving thread
 * at a time.
 */
final class SocketReceiver {

    private final SocketHandle handle;
    private final MessageScratch in;
    private volatile int fdsDropped;
    /**
     * How long a receive polls (MSG_DONTWAIT in a loop) before it sleeps in the kernel: 0 sleeps at
     * once, {@link Long#MAX_VALUE} polls until bytes come.
     */
    private volatile long pollNanos;
    /** fds handed to the caller by the last receiveOnce (receiving thread only). */
    private int lastAccepted;

    SocketReceiver(SocketHandle handle, MessageScratch in) {
        this.handle = handle;
        this.in = in;
    }

    void busyPoll(boolean on) {
        pollNanos = on ? Long.MAX_VALUE : 0;
    }

    void pollFirst(long nanos) {
        pollNanos = nanos;
    }

    int fdsDropped() {
        return fdsDropped;
    }

    /**
     * One recvmsg of up to {@code buf.byteSize()} bytes. Received fds (close-on-exec) are appended
     * to fdsOut as owned Fd objects, up to maxFds of them; any beyond are closed at once and
     * counted by {@link #fdsDropped()}, as is a truncated control message (MSG_CTRUNC).
     *
     * @param fdsOut where received fds go; may be null when maxFds is 0
     * @return bytes received; 0 when the peer closed the connection (or after {@link UnixConnection#shutdown()})
     */
    int receive(MemorySegment buf, List<Fd> fdsOut, int maxFds) throws IOException {
        if (buf.isReadOnly()) {
            throw new IllegalArgumentException("cannot receive into a read-only segment");
        }
        if (buf.byteSize() == 0) {
            throw new IllegalArgumentException("empty receive buffer");
        }
        return receiveOnce(buf, 0, buf.byteSize(), null, fdsOut, maxFds);
    }

    /**
     * One recvmsg that fills {@code head} first and then {@code body} (two iovecs): a reply whose
     * fields and data go to different places arrives in one call instead of two. Both must be
     * native and not empty.
     *
     * @return bytes received in all; 0 when the peer closed the connection
     */
    int receive(MemorySegment head, MemorySegment body, List<Fd> fdsOut, int maxFds) throws IOException {
        requireScatterPart(head);
        requireScatterPart(body);
        return receiveOnce(head, 0, head.byteSize(), body, fdsOut, maxFds);
    }

    private static void requireScatterPart(MemorySegment s) {
        if (s.isReadOnly() || !s.isNative() || s.byteSize() == 0) {
            throw new IllegalArgumentException("scatter receive needs two writable, native, non-empty segments");
        }
    }

    /**
     * Fills buf completely, over as many recvmsg calls as it takes. Up to maxFds fds in all are
     * appended to fdsOut; {@link #fdsDropped()} then counts the fds dropped over the whole call.
     *
     * @throws EOFException the peer closed before buf was full
     */
    void receiveFully(MemorySegment buf, List<Fd> fdsOut, int maxFds) throws IOException {
        if (buf.isReadOnly()) {
            throw new IllegalArgumentException("cannot receive into a read-only segment");
        }
        long total = buf.byteSize();
        long done = 0;
        int accepted = 0;
        int dropped = 0;
        while (done < total) {
            int n = receiveOnce(buf, done, total - done, null, fdsOut, maxFds - accepted);
            accepted += lastAccepted;
            dropped += fdsDropped;
            fdsDropped = dropped;
            if (n == 0) {
                throw new EOFException("connection closed by peer after " + done + " of " + total + " bytes");
            }
            done += n;
        }
    }

    /** One recvmsg into buf[offset, offset + length), then into all of {@code then} if not null (native). */
    private int receiveOnce(
            MemorySegment buf, long offset, long length, MemorySegment then, List<Fd> fdsOut, int maxFds)
            throws IOException {
        if (maxFds < 0) {
            throw new IllegalArgumentException("negative maxFds " + maxFds);
        }
        if (maxFds > 0 && fdsOut == null) {
            throw new IllegalArgumentException("maxFds " + maxFds + " but nowhere to put fds");
        }
        MessageScratch d = in;
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
            if (then != null && !heap) {
                d.iov.set(JAVA_LONG, MsgHdr.IOVEC_SIZE, then.address());
                d.iov.set(JAVA_LONG, MsgHdr.IOVEC_SIZE + 8, Math.min(then.byteSize(), Integer.MAX_VALUE - want));
                d.msghdr.set(JAVA_LONG, MSG_IOVLEN, 2L);
            }
            long r;
            long poll = pollNanos;
            boolean spin = poll > 0;
            long pollStart = spin ? System.nanoTime() : 0;
            int flags = MsgHdr.MSG_CMSG_CLOEXEC | (spin ? SocketCalls.MSG_DONTWAIT : 0);
            while (true) {
                d.msghdr.set(JAVA_LONG, MSG_CONTROL, d.control.address());
                d.msghdr.set(JAVA_LONG, MSG_CONTROLLEN, d.control.byteSize());
                d.msghdr.set(JAVA_INT, MSG_FLAGS, 0);
                r = SocketCalls.recvmsg(d.capture, sock, d.msghdr, flags);
                if (r >= 0) {
                    break;
                }
                int errno = Downcalls.errno(d.capture);
                if (errno == LinuxErrno.EINTR) {
                    continue;
                }
                if (spin && errno == LinuxErrno.EAGAIN && !handle.isClosing()) {
                    if (poll != Long.MAX_VALUE && System.nanoTime() - pollStart >= poll) {
                        spin = false; // polled long enough: sleep in the kernel from here on
                        flags = MsgHdr.MSG_CMSG_CLOEXEC;
                    } else {
                        Thread.onSpinWait();
                    }
                    continue;
                }
                if (handle.isClosing()) {
                    throw new ClosedException("connection closed while receiving");
                }
                if (errno == LinuxErrno.EAGAIN) {
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
            d.msghdr.set(JAVA_LONG, MSG_IOVLEN, 1L); // the other receive paths use one iovec
            handle.release();
        }
    }

    /** Moves fds from the control buffer of the last recvmsg into fdsOut, closing the excess. */
    private void takeFds(MessageScratch d, List<Fd> fdsOut, int maxFds) {
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
            if (level == SocketCalls.SOL_SOCKET && type == MsgHdr.SCM_RIGHTS) {
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
            off += MsgHdr.cmsgAlign(cmsgLen);
        }
        if ((d.msghdr.get(JAVA_INT, MSG_FLAGS) & MsgHdr.MSG_CTRUNC) != 0) {
            dropped++; // the kernel closed fds that did not fit; at least one was lost
        }
        lastAccepted = accepted;
        fdsDropped = dropped;
        if (failure != null) {
            throw failure;
        }
    }
}
