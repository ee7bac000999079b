package dev.jvfio.client;

import dev.jvfio.os.Fd;
import dev.jvfio.protocol.Capabilities;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.VersionMessage;
import dev.jvfio.transport.UnixConnection;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's half of one vfio-user connection: the VERSION handshake (VU-8.1), the send and receive
 * buffers, message ids, sending a request and reading the one reply that must answer it (with the fds
 * it carries), and the checks that reject a reply that does not (VU-3.x). {@link VfioUserClient} builds
 * each command on top and guards this object with its monitor.
 */
final class ClientConnection {
    /**
     * What we announce: QEMU's values (VU-8.1), so the server sees a realistic client: what QEMU proposes (VU-8.1), pgsizes included: the protocol's default 4 KiB. The server's
     * reply decides the DMA granule (on a 64 KiB host jvfio answers 65536, see Session); callers
     * read it from {@link VfioUserClient#serverCapabilities()}.
     */
    static final Capabilities OURS = new Capabilities(16, 1 << 20, 65535, Capabilities.DEFAULT_PGSIZES, true, false);

    private static final int OVERHEAD = 8192;

    final UnixConnection conn;
    private final Arena arena = Arena.ofShared();
    /** The request being built. */
    final MemorySegment out;
    /** The reply being read. */
    final MemorySegment in;
    /** Region fds handed out in region info: closed with the connection. */
    final List<Fd> received = new ArrayList<>();
    /** The fds of the reply last read. */
    final List<Fd> replyFds = new ArrayList<>();

    Capabilities server;
    int serverMinor;
    private int nextId = 1;
    volatile boolean closed;

    ClientConnection(UnixConnection conn) {
        this.conn = conn;
        long buffer = OURS.maxDataXferSize() + OVERHEAD;
        this.out = arena.allocate(buffer, 8);
        this.in = arena.allocate(buffer, 8);
    }

    /** Sends VERSION with {@link #OURS} and checks the server's answer (VU-8.1); keeps its capabilities. */
    void negotiate() throws IOException {
        int id = id();
        int n = VersionMessage.encode(out, id, false, VersionMessage.MAJOR, 0, OURS);
        IOException sendFailure = null;
        try {
            conn.send(out.asSlice(0, n));
        } catch (IOException e) {
            sendFailure = e; // a refusing server may have answered and hung up already: read it
        }
        MemorySegment reply;
        try {
            reply = receive();
        } catch (IOException e) {
            if (sendFailure != null) {
                sendFailure.addSuppressed(e);
                throw sendFailure;
            }
            throw e;
        }
        closeReplyFds();
        if (Header.isError(reply)) {
            throw new HandshakeException(Header.error(reply), "server refused VERSION");
        }
        if (Header.command(reply) != Command.VERSION || Header.id(reply) != id || !Header.isReply(reply)) {
            throw new HandshakeException(0, "unexpected answer to VERSION: " + Header.describe(reply));
        }
        VersionMessage v = new VersionMessage();
        int errno = v.wrap(reply);
        if (errno != 0) {
            throw new HandshakeException(errno, "malformed VERSION reply: " + v.problem());
        }
        if (v.major() != VersionMessage.MAJOR || v.minor() > 0) {
            throw new HandshakeException(0, "incompatible server version " + v.major() + "." + v.minor());
        }
        server = v.capabilities();
        serverMinor = v.minor();
    }

    int id() {
        int id = nextId & 0xFFFF;
        nextId++;
        return id;
    }

    /** How many more fds the reply being read may bring: 16 in all, the rest are closed. */
    int fdRoom() {
        return Math.max(0, 16 - replyFds.size());
    }

    /** Largest count one read or write may carry (the smaller of both sides' limits). */
    long maxTransfer() {
        return Math.min(server.maxDataXferSize(), OURS.maxDataXferSize());
    }

    /** Reads one whole message into {@code in}; fds go to replyFds. */
    MemorySegment receive() throws IOException {
        return receive(Header.SIZE);
    }

    /**
     * Reads one whole reply into {@code in}, asking the first recvmsg for up to {@code expected}
     * bytes: a reply of the expected size then takes one system call instead of two (header, then
     * body). The server answers one request at a time and sends nothing else meanwhile, so the
     * read cannot reach into another message; if it did, the stream is not trusted any more.
     */
    MemorySegment receive(long expected) throws IOException {
        return finishReceive(receiveStart(expected));
    }

    /** Reads at least a header and at most {@code want} bytes into {@code in}; returns the count read. */
    long receiveStart(long want) throws IOException {
        long limit = Math.max(Header.SIZE, Math.min(want, in.byteSize()));
        long got = 0;
        while (got < Header.SIZE) {
            int n = conn.receive(in.asSlice(got, limit - got), replyFds, fdRoom());
            if (n == 0) {
                throw new EOFException("connection closed by the server after " + got + " bytes of a reply");
            }
            got += n;
        }
        long size = Header.size(in);
        if (size < Header.SIZE || size > in.byteSize()) {
            throw new IOException("reply of " + size + " bytes: " + Header.describe(in));
        }
        if (got > size) {
            throw new IOException("more bytes than the " + size + "-byte reply arrived: " + Header.describe(in));
        }
        return got;
    }

    /**
     * Receives a reply expected to be {@code head} bytes (header and fields) and then exactly
     * {@code data.byteSize()} bytes of data: the first recvmsg scatters into {@code in} and
     * {@code data} (one call for a reply the server sent in one piece, not two), and when the header
     * announces that size the rest goes straight into {@code data}; the result is then
     * {@code in[0, head)}. A reply of any other size (an error, a short read) is returned whole from
     * {@code in}, the bytes that went to {@code data} moved back; {@code data} is then scratch.
     */
    MemorySegment receiveSplit(long head, MemorySegment data) throws IOException {
        long got = conn.receive(in.asSlice(0, head), data, replyFds, fdRoom());
        while (got < Header.SIZE) { // a header arriving in pieces: everything so far is in in
            if (got == 0) {
                throw new EOFException("connection closed by the server before a reply");
            }
            int n = conn.receive(in.asSlice(got, head - got), replyFds, fdRoom());
            got = n == 0 ? 0 : got + n;
        }
        long size = Header.size(in);
        if (size == head + data.byteSize()) {
            if (got < head) {
                conn.receiveFully(in.asSlice(got, head - got), replyFds, fdRoom());
                got = head;
            }
            if (got < size) {
                conn.receiveFully(data.asSlice(got - head), replyFds, fdRoom());
            }
            return in.asSlice(0, head);
        }
        if (size < Header.SIZE || size > in.byteSize()) {
            throw new IOException("reply of " + size + " bytes: " + Header.describe(in));
        }
        if (got > size) {
            throw new IOException("more bytes than the " + size + "-byte reply arrived: " + Header.describe(in));
        }
        if (got > head) {
            MemorySegment.copy(data, 0, in, head, got - head);
        }
        return finishReceive(got);
    }

    /** Completes {@code in[0, upTo)} of a reply whose first {@code got} bytes are there. */
    MemorySegment finishReceiveUpTo(long got, long upTo) throws IOException {
        if (upTo > got) {
            conn.receiveFully(in.asSlice(got, upTo - got), replyFds, fdRoom());
        }
        return in.asSlice(0, upTo);
    }

    /** Reads the rest of the reply whose first {@code got} bytes are in {@code in}. */
    MemorySegment finishReceive(long got) throws IOException {
        long size = Header.size(in);
        if (size > got) {
            conn.receiveFully(in.asSlice(got, size - got), replyFds, fdRoom());
        }
        return in.asSlice(0, size);
    }

    /** Sends {@code out[0..size)} and returns the matching reply; error replies throw. */
    MemorySegment call(int size, List<Fd> fds) throws IOException, VfioUserException {
        return call(size, fds, Header.SIZE);
    }

    /** As {@link #call(int, List)}, when the reply is expected to be {@code expectedReply} bytes. */
    MemorySegment call(int size, List<Fd> fds, long expectedReply) throws IOException, VfioUserException {
        checkOpen();
        int id = Header.id(out);
        int command = Header.command(out);
        closeReplyFds();
        conn.send(out.asSlice(0, size), fds);
        return checkReply(receive(expectedReply), id, command);
    }

    /** The reply if it answers request {@code id}; error replies throw VfioUserException. */
    MemorySegment checkReply(MemorySegment reply, int id, int command) throws IOException, VfioUserException {
        if (!Header.isReply(reply) || Header.id(reply) != id || Header.command(reply) != command) {
            closeReplyFds();
            throw new IOException("reply does not match request id " + id + " " + Command.name(command) + ": "
                    + Header.describe(reply));
        }
        if (Header.isError(reply)) {
            closeReplyFds();
            throw new VfioUserException(command, Header.error(reply));
        }
        return reply;
    }

    void closeReplyFds() {
        for (Fd fd : replyFds) {
            fd.close();
        }
        replyFds.clear();
    }

    void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("client closed");
        }
    }

    /** Closes the socket, the fds of the last reply and the received region fds; frees the buffers. */
    void release() {
        conn.close();
        closeReplyFds();
        for (Fd fd : received) {
            fd.close();
        }
        received.clear();
        arena.close();
    }
}
