package dev.jvfio.server;

import dev.jvfio.device.Errno;
import dev.jvfio.os.Fd;
import dev.jvfio.os.LinuxErrno;
import dev.jvfio.os.NativeException;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.RegionAccessMessage;
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
    /**
     * While a message's size is unknown, one recvmsg asks for at most this much: every message of
     * up to 64 KiB of data (and 4 KiB of anything else) still arrives in one call, and of a larger
     * one no more than this is read into the buffer before the reader knows where its data goes
     * (a large write's data is then copied from here into device memory, the rest received there).
     */
    static final long FIRST_READ = RegionRequests.ZERO_COPY_WRITE + 4096;

    /**
     * Where the data of a message whose fixed part has arrived may be received instead of the
     * buffer: given the message (only its first {@link RegionAccessMessage#DATA} bytes are there
     * yet), the memory for its bytes from {@link RegionAccessMessage#DATA} on, or null.
     */
    @FunctionalInterface
    interface PayloadTarget {
        MemorySegment target(MemorySegment message);
    }

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
    /** Where large REGION_WRITE data may go instead of {@code in}; none until the session sets it. */
    private PayloadTarget payloadTarget = m -> null;
    /** Where the current message's data went. */
    private Payload payload = Payload.BUFFERED;

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

    /** From now on, asks {@code target} where the data of a message may be received. */
    void payloadTarget(PayloadTarget target) {
        this.payloadTarget = target;
    }

    /** Where the current message's data went (see {@link PayloadTarget}). */
    Payload payload() {
        return payload;
    }

    /** The current message, of the size {@link #receive()} returned. */
    MemorySegment message(long size) {
        return in.asSlice(0, size);
    }

    /**
     * Reads one whole message into {@code in} (at offset 0). Returns its size; 0 if it was consumed
     * here (oversized and drained, answered with E2BIG); -1 if the stream cannot be resynchronised.
     *
     * <p>While the size is unknown, one recvmsg asks for up to {@link #FIRST_READ} bytes: the
     * kernel copies only what is queued, so a message sent in one piece (every trapped access, and
     * a bulk write of up to 64 KiB) arrives with one system call instead of two (header, then body). Bytes read beyond the message are kept for the next one. Fds come with the last
     * socket buffer a recvmsg touched, so fds of a read that went past the message belong to the
     * message holding that read's last byte; they wait in {@link #laterFds} until it is served.
     */
    long receive() throws IOException {
        closeFds();
        dropServedMessage();
        payload = Payload.BUFFERED;
        int dropped = 0;
        while (buffered < Header.SIZE) {
            long end = Math.min(in.byteSize(), FIRST_READ);
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
            MemorySegment target = buffered >= RegionAccessMessage.DATA && fds.isEmpty()
                    ? payloadTarget.target(in.asSlice(0, size))
                    : null;
            if (target != null && target.byteSize() == size - RegionAccessMessage.DATA) {
                dropped += receiveInto(target);
            } else {
                conn.receiveFully(
                        in.asSlice(buffered, size - buffered), fds, Math.max(0, options.maxMsgFds() - fds.size()));
                dropped += conn.fdsDropped();
            }
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
     * Receives the rest of the current message's data straight into {@code target}, after the data
     * bytes already buffered: one copy less than through {@code in}. If the memory faults (a file
     * that was shrunk under its mapping: SIGBUS on our copy, EFAULT from the kernel's, which then
     * leaves the bytes queued), the rest of the message is read into {@code in} and dropped, so the
     * stream stays in sync. Returns the fds dropped beyond max_msg_fds.
     */
    private int receiveInto(MemorySegment target) throws IOException {
        long done = buffered - RegionAccessMessage.DATA;
        long total = target.byteSize();
        int dropped = 0;
        try {
            MemorySegment.copy(in, RegionAccessMessage.DATA, target, 0, done);
            while (done < total) {
                int n = conn.receive(target.asSlice(done), fds, Math.max(0, options.maxMsgFds() - fds.size()));
                if (n == 0) {
                    throw new EOFException("client closed the connection " + done + " bytes into a write's data");
                }
                dropped += conn.fdsDropped();
                done += n;
            }
            payload = Payload.IN_DEVICE_MEMORY;
            return dropped;
        } catch (NativeException e) {
            if (e.errno() != LinuxErrno.EFAULT) {
                throw e;
            }
        } catch (InternalError e) {
            // HotSpot's form of SIGBUS, as for any write into that memory: fall through to the drain
        }
        for (long left = total - done; left > 0; ) {
            long n = Math.min(left, in.byteSize() - RegionAccessMessage.DATA);
            conn.receiveFully(
                    in.asSlice(RegionAccessMessage.DATA, n), fds, Math.max(0, options.maxMsgFds() - fds.size()));
            dropped += conn.fdsDropped();
            left -= n;
        }
        payload = Payload.LOST_IN_DEVICE_MEMORY;
        return dropped;
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
