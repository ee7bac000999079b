package dev.jvfio.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvfio.transport.ClosedException;
import dev.jvfio.transport.PeerCredentials;
import dev.jvfio.transport.SocketAccess;
import dev.jvfio.transport.UnixConnection;
import dev.jvfio.transport.UnixServerSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The control socket of {@code jvfio serve}: mode 0600, peers checked like the device sockets'
 * (SO_PEERCRED uid in the allowed set). Each connection carries one request line and gets one JSON
 * answer line, then is closed. Everything a peer sends is hostile: a line is at most
 * {@link ControlRequest#MAX_LINE} bytes of UTF-8 and must arrive within {@link #REQUEST_WAIT};
 * at most {@link #MAX_CONNECTIONS} are served at once (an unplug may take the detach timeout), the
 * rest are told so and closed.
 */
public final class ControlServer implements AutoCloseable {
    static final int MAX_CONNECTIONS = 8;
    static final Duration REQUEST_WAIT = Duration.ofSeconds(5);
    static final Duration SEND_WAIT = Duration.ofSeconds(5);

    private final UnixServerSocket socket;
    private final Set<Integer> allowedUids;
    private final ControlHandler handler;
    private final Consumer<String> log;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(
            UnixServerSocket socket, Set<Integer> allowedUids, ControlHandler handler, Consumer<String> log) {
        this.socket = socket;
        this.allowedUids = Set.copyOf(allowedUids);
        this.handler = handler;
        this.log = log;
        this.acceptor = new Thread(this::acceptLoop, "control accept");
        this.acceptor.setDaemon(true);
    }

    /** Listens on {@code path} (mode 0600) and answers peers whose uid is in {@code allowedUids}. */
    public static ControlServer start(Path path, Set<Integer> allowedUids, ControlHandler handler, Consumer<String> log)
            throws IOException {
        ControlServer s =
                new ControlServer(UnixServerSocket.listen(path, SocketAccess.ownerOnly()), allowedUids, handler, log);
        s.acceptor.start();
        return s;
    }

    public Path path() {
        return socket.path();
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
                log.accept("control socket: accept failed: " + e.getMessage());
                continue;
            }
            if (!slots.tryAcquire()) {
                Thread.ofVirtual()
                        .start(() -> refuse(conn, "busy: " + MAX_CONNECTIONS + " control requests are in progress"));
                continue;
            }
            try {
                Thread t = new Thread(
                        () -> {
                            try {
                                serve(conn);
                            } finally {
                                // the slot is free before the peer sees the connection end, so a script that
                                // sends its next request on end of file never finds its own last one still busy
                                slots.release();
                                conn.close();
                            }
                        },
                        "control request");
                t.setDaemon(true);
                t.start();
            } catch (OutOfMemoryError e) {
                slots.release();
                conn.close();
            }
        }
    }

    private void refuse(UnixConnection conn, String why) {
        try (conn) {
            conn.sendTimeout(SEND_WAIT);
            send(conn, ControlHandler.error(why));
        } catch (IOException | RuntimeException ignored) {
            // the peer is gone
        }
    }

    /** Answers one request; the caller closes the connection. */
    private void serve(UnixConnection conn) {
        try {
            PeerCredentials peer = conn.peerCredentials();
            conn.sendTimeout(SEND_WAIT);
            if (!allowedUids.contains(peer.uid())) {
                log.accept(
                        "control socket: refused pid " + peer.pid() + " uid " + peer.uid() + " (not an allowed uid)");
                send(conn, ControlHandler.error("uid " + peer.uid() + " may not use this control socket"));
                return;
            }
            conn.receiveTimeout(REQUEST_WAIT);
            String line;
            try {
                line = readLine(conn);
            } catch (ControlException e) {
                send(conn, ControlHandler.error(e.getMessage()));
                return;
            }
            if (line != null) {
                send(conn, handler.answer(line));
            }
        } catch (IOException | RuntimeException e) {
            // the peer went away or stalled; nothing to answer
        }
    }

    /** The request line without its newline; null when the peer closed before sending anything. */
    static String readLine(UnixConnection conn) throws IOException, ControlException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(ControlRequest.MAX_LINE);
            long have = 0;
            while (true) {
                int n;
                try {
                    n = conn.receive(buf.asSlice(have), null, 0);
                } catch (SocketTimeoutException e) {
                    throw new ControlException("no complete request line within " + REQUEST_WAIT.toSeconds() + " s");
                }
                if (n == 0) {
                    if (have == 0) {
                        return null;
                    }
                    throw new ControlException("the request line must end with a newline");
                }
                for (long i = have; i < have + n; i++) {
                    if (buf.get(ValueLayout.JAVA_BYTE, i) == '\n') {
                        return decode(buf.asSlice(0, i).toArray(ValueLayout.JAVA_BYTE));
                    }
                }
                have += n;
                if (have == buf.byteSize()) {
                    throw new ControlException("request line longer than " + ControlRequest.MAX_LINE + " bytes");
                }
            }
        }
    }

    private static String decode(byte[] bytes) throws ControlException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ControlException("the request line is not UTF-8");
        }
    }

    private static void send(UnixConnection conn, ObjectNode answer) throws IOException {
        byte[] bytes = (answer.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
            conn.send(seg);
        }
    }

    /** Stops listening and removes the socket file; requests in progress finish on their own. */
    @Override
    public void close() {
        closed = true;
        socket.close();
    }
}
