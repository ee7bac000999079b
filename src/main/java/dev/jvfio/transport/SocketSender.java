package dev.jvfio.transport;

import static dev.jvfio.transport.MsgHdr.CMSG_HDR;
import static dev.jvfio.transport.MsgHdr.CMSG_LEN_OFF;
import static dev.jvfio.transport.MsgHdr.CMSG_LEVEL_OFF;
import static dev.jvfio.transport.MsgHdr.CMSG_TYPE_OFF;
import static dev.jvfio.transport.MsgHdr.MSG_CONTROL;
import static dev.jvfio.transport.MsgHdr.MSG_CONTROLLEN;
import static dev.jvfio.transport.MsgHdr.MSG_FLAGS;
import static dev.jvfio.transport.MsgHdr.MSG_IOVLEN;
import static dev.jvfio.transport.MsgHdr.SCM_MAX_FD;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jvfio.linker.Downcalls;
import dev.jvfio.os.Fd;
import dev.jvfio.os.LinuxErrno;
import dev.jvfio.os.NativeException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketTimeoutException;
import java.util.List;

/**
 * The sending direction of a {@link UnixConnection}: sendmsg over partial writes and EINTR, fds as
 * SCM_RIGHTS with the first bytes, heap segments through the staging buffer, and the gathered
 * head-and-body send (libvfio-user's {@code tran_sock.c} send side).
 */
final class SocketSender {
    private final SocketHandle handle;
    private final MessageScratch out;

    SocketSender(SocketHandle handle, MessageScratch out) {
        this.handle = handle;
        this.out = out;
    }

    /**
     * Sends all bytes of data; copies of {@code fds} ride with the first bytes (the caller keeps
     * ownership of its Fd objects). Loops over partial writes and EINTR. A peer that has gone
     * gives a NativeException with EPIPE (never SIGPIPE).
     *
     * @throws IllegalArgumentException more than 253 fds, or fds without at least one data byte
     */
    void send(MemorySegment data, List<Fd> fds) throws IOException {
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
        MessageScratch d = out;
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
                    c.set(JAVA_LONG, CMSG_LEN_OFF, MsgHdr.cmsgLen(dataBytes));
                    c.set(JAVA_INT, CMSG_LEVEL_OFF, SocketCalls.SOL_SOCKET);
                    c.set(JAVA_INT, CMSG_TYPE_OFF, MsgHdr.SCM_RIGHTS);
                    for (int i = 0; i < nfds; i++) {
                        c.set(JAVA_INT, CMSG_HDR + 4L * i, fds.get(i).value());
                    }
                    d.msghdr.set(JAVA_LONG, MSG_CONTROL, c.address());
                    d.msghdr.set(JAVA_LONG, MSG_CONTROLLEN, MsgHdr.cmsgSpace(dataBytes));
                } else {
                    d.msghdr.set(JAVA_LONG, MSG_CONTROL, 0L);
                    d.msghdr.set(JAVA_LONG, MSG_CONTROLLEN, 0L);
                }
                d.msghdr.set(JAVA_INT, MSG_FLAGS, 0);
                long r = SocketCalls.sendmsg(d.capture, sock, d.msghdr, SocketCalls.MSG_NOSIGNAL);
                if (r < 0) {
                    int errno = Downcalls.errno(d.capture);
                    if (errno == LinuxErrno.EINTR) {
                        continue;
                    }
                    if (handle.isClosing()) {
                        throw new ClosedException("connection closed while sending");
                    }
                    if (errno == LinuxErrno.EAGAIN) {
                        throw new SocketTimeoutException(
                                "send timed out: the peer is not reading (" + sentSoFar(done, total) + ")");
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
    void send(MemorySegment head, MemorySegment body) throws IOException {
        if (!head.isNative() || !body.isNative() || head.byteSize() == 0 || body.byteSize() == 0) {
            send(head, List.of());
            send(body, List.of());
            return;
        }
        long headLen = head.byteSize();
        long total = headLen + body.byteSize();
        MessageScratch d = out;
        int sock = handle.acquire();
        try {
            long done = 0;
            while (done < total) {
                if (done < headLen) {
                    d.iov.set(JAVA_LONG, 0, head.address() + done);
                    d.iov.set(JAVA_LONG, 8, headLen - done);
                    d.iov.set(JAVA_LONG, MsgHdr.IOVEC_SIZE, body.address());
                    d.iov.set(JAVA_LONG, MsgHdr.IOVEC_SIZE + 8, body.byteSize());
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
                    int errno = Downcalls.errno(d.capture);
                    if (errno == LinuxErrno.EINTR) {
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
}
