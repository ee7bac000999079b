package dev.jvfio.conform;

import dev.jvfio.client.RawMessage;
import dev.jvfio.device.Errno;
import dev.jvfio.os.Fd;
import dev.jvfio.os.NativeException;
import dev.jvfio.transport.UnixConnection;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketTimeoutException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection of the checker to the server under test: sends whole messages exactly as built
 * (with any fds) and reads whole messages back as {@link RawMessage}s, each within the reply
 * timeout. Every fd a reply brings stays owned by this conversation and is closed with it.
 */
final class Conversation implements AutoCloseable {
    /** Largest reply we accept: our own max_data_xfer_size (1 MiB, VU-8.1) plus fixed parts. */
    static final int MAX_REPLY = (1 << 20) + (64 << 10);

    private final UnixConnection conn;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment in = arena.allocate(MAX_REPLY, 8);
    private final List<Fd> received = new ArrayList<>();
    private final Duration timeout;
    /** Message ids start away from 0 and 1 so an echo of a constant id is noticed. */
    private int nextId = 0x5A00;

    private Caps caps;
    private boolean closed;

    private Conversation(UnixConnection conn, Duration timeout) {
        this.conn = conn;
        this.timeout = timeout;
    }

    /** Connects without sending anything; the first message is the caller's. */
    static Conversation connect(Path socket, Duration timeout) throws IOException {
        UnixConnection conn = UnixConnection.connect(socket);
        try {
            conn.receiveTimeout(timeout);
            conn.sendTimeout(timeout);
            return new Conversation(conn, timeout);
        } catch (IOException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    Duration timeout() {
        return timeout;
    }

    /** The server's capabilities, once {@link Negotiation} has agreed them on this connection. */
    Caps caps() {
        return caps;
    }

    void caps(Caps caps) {
        this.caps = caps;
    }

    int nextId() {
        int id = nextId & 0xFFFF;
        nextId += 7;
        return id;
    }

    /** Sends a command (no flags) with a fresh id; returns the id. */
    int send(int command, byte[] payload) throws IOException {
        return send(command, Spec.TYPE_COMMAND, payload, List.of());
    }

    int send(int command, byte[] payload, List<Fd> fds) throws IOException {
        return send(command, Spec.TYPE_COMMAND, payload, fds);
    }

    int send(int command, int flags, byte[] payload, List<Fd> fds) throws IOException {
        int id = nextId();
        sendBytes(Le.message(id, command, flags, payload), fds);
        return id;
    }

    /** Sends bytes as they are: for messages whose header lies about them. */
    void sendBytes(byte[] message, List<Fd> fds) throws IOException {
        conn.send(MemorySegment.ofArray(message), fds);
    }

    /** Sends a command and reads the next message, which should answer it. */
    Exchange call(int command, byte[] payload) throws IOException {
        return call(command, payload, List.of());
    }

    Exchange call(int command, byte[] payload, List<Fd> fds) throws IOException {
        int id = send(command, payload, fds);
        return new Exchange(id, command, receive());
    }

    /** A request's id and command with the message that came back. */
    record Exchange(int id, int command, RawMessage reply) {}

    /** The next whole message, within the reply timeout; EOFException if the server hung up. */
    RawMessage receive() throws IOException {
        return receive(timeout);
    }

    RawMessage receive(Duration wait) throws IOException {
        if (!wait.equals(timeout)) {
            conn.receiveTimeout(wait);
        }
        try {
            List<Fd> fds = new ArrayList<>();
            try {
                conn.receiveFully(in.asSlice(0, Spec.HEADER), fds, 16);
                long size = Integer.toUnsignedLong(in.get(LE32, 4));
                if (size < Spec.HEADER || size > MAX_REPLY) {
                    throw new BadReply("a message whose header gives its size as " + size + " bytes");
                }
                conn.receiveFully(in.asSlice(Spec.HEADER, size - Spec.HEADER), fds, Math.max(0, 16 - fds.size()));
                byte[] whole = in.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE);
                byte[] payload = new byte[whole.length - Spec.HEADER];
                System.arraycopy(whole, Spec.HEADER, payload, 0, payload.length);
                return new RawMessage(
                        Le.u16(whole, 0),
                        Le.u16(whole, 2),
                        size,
                        (int) Le.u32(whole, 8),
                        (int) Le.u32(whole, 12),
                        payload,
                        List.copyOf(fds));
            } finally {
                received.addAll(fds);
            }
        } catch (SocketTimeoutException e) {
            throw new NoReply(wait);
        } finally {
            if (!wait.equals(timeout)) {
                conn.receiveTimeout(timeout);
            }
        }
    }

    /**
     * Whether the server hangs up within {@code wait} without sending anything more; a message it
     * sends instead is returned through {@code sent}.
     */
    boolean hangsUp(Duration wait, List<RawMessage> sent) throws IOException {
        try {
            sent.add(receive(wait));
            return false;
        } catch (EOFException e) {
            return true;
        } catch (NoReply e) {
            return false;
        } catch (IOException e) {
            return isReset(e);
        }
    }

    /** The peer is gone: a reset connection (it closed with our bytes unread) or a broken pipe. */
    static boolean isReset(IOException e) {
        return e instanceof NativeException n && (n.errno() == Errno.ECONNRESET || n.errno() == EPIPE);
    }

    private static final int EPIPE = 32;

    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The server sent nothing within the reply timeout. */
    static final class NoReply extends IOException {
        NoReply(Duration wait) {
            super("no reply within " + Report.seconds(wait));
        }
    }

    /** The server sent something that is not a vfio-user message; the stream is lost. */
    static final class BadReply extends IOException {
        BadReply(String what) {
            super("the server sent " + what);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        conn.close();
        for (Fd fd : received) {
            fd.close();
        }
        received.clear();
        arena.close();
    }
}
