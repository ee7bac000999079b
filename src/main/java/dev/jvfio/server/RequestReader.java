package dev.jvfio.server;

import dev.jvfio.device.Errno;
import dev.jvfio.os.Fd;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.transport.UnixConnection;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Message framing of one session: reads whole vfio-user messages, with the fds that came with
 * them, from the byte stream into one reused buffer (VU-2.1). Refuses what cannot be served before
 * dispatch: a size below the header (hang up), oversized messages (drained and answered E2BIG up
 * to {@link #DRAIN_LIMIT}, hang up beyond) and more fds than max_msg_fds (EINVAL, VU-3.3).
 */
final class RequestReader {
    /** Oversized messages up to this many bytes are read and discarded; beyond, we hang up. */
    private static final long DRAIN_LIMIT = 64L << 20;

    /** How the reader answers a message it refuses before dispatch. */
    @FunctionalInterface
    interface ErrorReply {
        void send(int id, int command, int errno) throws IOException;
    }

    private final UnixConnection conn;
    private final MemorySegment in;
    private final ServerOptions options;
    private final ServerListener listener;
    private final ErrorReply errors;
    private final List<Fd> fds = new ArrayList<>(ServerOptions.MAX_MAX_MSG_FDS);
    /** Fds received with bytes beyond the current message (they belong to a later one). */
    private final List<Fd> laterFds = new ArrayList<>(ServerOptions.MAX_MAX_MSG_FDS);
    /** Offset in {@code in} of the last byte of the read that brought {@link #laterFds}. */
    private long laterFdsAt;
    /** in[0, buffered) holds received bytes, starting with the current (or next) message. */
    private long buffered;
    /** Size of the message in {@code in} that has been served; dropped at the next receive. */
    private long served;

    RequestReader(UnixConnection conn, MemorySegment in, ServerOptions options, ErrorReply errors) {
        this.conn = conn;
        this.in = in;
        this.options = options;
        this.listener = options.listener();
        this.errors = errors;
    }

    /** The fds of the current message; whoever takes one out of the list owns it. */
    List<Fd> fds() {
        return fds;
    }

    /** The current message, of the size {@link #receive()} returned. */
    MemorySegment message(long size) {
        return in.asSlice(0, size);
    }

    /**
     * Reads one whole message into {@code in} (at offset 0). Returns its size; 0 if it was consumed
     * here (oversized and drained, answered with E2BIG); -1 if the stream cannot be resynchronised.
     *
     * <p>While the size is unknown, one recvmsg asks for as much as the buffer holds: the kernel
     * copies only what is queued, so a message sent in one piece (every trapped access, and a
     * bulk write of any size up to the buffer) arrives with one system call instead of two
     * (header, then body). Bytes read beyond the message are kept for the next one. Fds come with the last
     * socket buffer a recvmsg touched, so fds of a read that went past the message belong to the
     * message holding that read's last byte; they wait in {@link #laterFds} until it is served.
     */
    long receive() throws IOException {
        closeFds();
        dropServedMessage();
        int dropped = 0;
        while (buffered < Header.SIZE) {
            long end = in.byteSize();
            int before = laterFds.size();
            int n = conn.receive(
                    in.asSlice(buffered, end - buffered), laterFds, Math.max(0, options.maxMsgFds() - laterFds.size()));
            if (n == 0) {
                throw new EOFException("client closed the connection");
            }
            dropped += conn.fdsDropped();
            if (laterFds.size() > before) {
                laterFdsAt = buffered + n - 1;
            }
            buffered += n;
        }
        long size = Header.size(in);
        int id = Header.id(in);
        int command = Header.command(in);
        if (size < Header.SIZE) {
            listener.error("message size " + size + " below the header size; hanging up");
            errors.send(id, command, Errno.EINVAL);
            return -1;
        }
        if (size > in.byteSize()) {
            boolean quiet = unanswerable(in);
            if (size - Header.SIZE > DRAIN_LIMIT) {
                listener.error("message of " + size + " bytes; hanging up");
                errors.send(id, command, Errno.E2BIG);
                return -1;
            }
            long left = size - buffered; // buffered <= in.byteSize() < size: nothing beyond it was read
            while (left > 0) {
                long n = Math.min(left, in.byteSize());
                conn.receiveFully(in.asSlice(0, n), fds, 0);
                left -= n;
            }
            buffered = 0;
            listener.error("message of " + size + " bytes drained (" + Command.name(command) + ")");
            closeFds();
            closeLaterFds();
            if (!quiet) {
                errors.send(id, command, Errno.E2BIG);
            }
            return 0;
        }
        if (!laterFds.isEmpty() && laterFdsAt < size) {
            fds.addAll(laterFds); // their read ended inside this message: they are its fds
            laterFds.clear();
        }
        if (buffered < size) {
            conn.receiveFully(
                    in.asSlice(buffered, size - buffered), fds, Math.max(0, options.maxMsgFds() - fds.size()));
            dropped += conn.fdsDropped();
            buffered = size;
        }
        served = size;
        if (dropped > 0 || fds.size() > options.maxMsgFds()) {
            listener.error(Math.max(dropped, fds.size() - options.maxMsgFds()) + " fds beyond max_msg_fds dropped ("
                    + Command.name(command) + ")");
            closeFds();
            if (!unanswerable(in)) {
                errors.send(id, command, Errno.EINVAL);
            }
            return 0;
        }
        return size;
    }

    /**
     * Posted commands (VU-8.8) and stray replies from the client (VU-2.3: we never send requests)
     * must get nothing back, also when they are refused before dispatch (oversized, too many fds):
     * an unexpected reply desynchronises the client's stream.
     */
    private static boolean unanswerable(MemorySegment header) {
        return Header.noReply(header) || Header.type(header) == Header.TYPE_REPLY;
    }

    /** Moves the bytes read beyond the last served message to the front of {@code in}. */
    private void dropServedMessage() {
        if (served == 0) {
            return;
        }
        long rest = buffered - served;
        if (rest > 0) {
            MemorySegment.copy(in, served, in, 0, rest);
        }
        laterFdsAt -= served;
        buffered = rest;
        served = 0;
    }

    /** Closes the fds of the message just served. */
    void closeFds() {
        for (Fd fd : fds) {
            fd.close();
        }
        fds.clear();
    }

    private void closeLaterFds() {
        for (Fd fd : laterFds) {
            fd.close();
        }
        laterFds.clear();
    }

    /** Closes every fd still held, of this message and of later ones (end of session). */
    void close() {
        closeFds();
        closeLaterFds();
    }
}
