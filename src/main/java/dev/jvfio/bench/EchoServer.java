package dev.jvfio.bench;

import dev.jvfio.transport.SocketAccess;
import dev.jvfio.transport.UnixConnection;
import dev.jvfio.transport.UnixServerSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor of the trapped and bulk rows: a request/reply echo over the same AF_UNIX transport as
 * the server ({@code dev.jvfio.transport}), with no protocol and no device. A client first sends
 * 8 bytes (request length, reply length; native order); from then on every request of that length
 * is answered with a reply of that length, until the client hangs up. Each socket given on the
 * command line accepts any number of such connections, each served on its own thread.
 *
 * <p>Run as a child process: {@code java -cp ... dev.jvfio.bench.EchoServer SOCKET...}.
 */
public final class EchoServer {
    /** How each connection thread's name begins (the bench places it, see {@link Placement}). */
    static final String CONNECTION_THREAD = "echo conn ";

    /** Largest request or reply: the largest REGION_READ/WRITE message the server accepts. */
    static final int MAX_MESSAGE = (64 << 20) + 8192;

    private EchoServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: EchoServer SOCKET...");
            System.exit(2);
        }
        List<UnixServerSocket> sockets = new ArrayList<>();
        for (String a : args) {
            sockets.add(UnixServerSocket.listen(Path.of(a), SocketAccess.ownerOnly()));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> sockets.forEach(UnixServerSocket::close)));
        List<Thread> acceptors = new ArrayList<>();
        for (UnixServerSocket s : sockets) {
            Thread t = new Thread(() -> acceptLoop(s), "echo accept " + s.path().getFileName());
            t.start();
            acceptors.add(t);
        }
        for (Thread t : acceptors) {
            t.join();
        }
    }

    private static void acceptLoop(UnixServerSocket socket) {
        while (true) {
            UnixConnection conn;
            try {
                conn = socket.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread t = new Thread(() -> serve(conn), CONNECTION_THREAD + conn);
            t.setDaemon(true);
            t.start();
        }
    }

    /** Serves one connection until the peer hangs up (or sends a bad length). */
    static void serve(UnixConnection conn) {
        try (conn;
                Arena arena = Arena.ofConfined()) {
            MemorySegment setup = arena.allocate(8, 8);
            conn.receiveFully(setup, null, 0);
            int request = setup.get(ValueLayout.JAVA_INT, 0);
            int reply = setup.get(ValueLayout.JAVA_INT, 4);
            if (request < 1 || reply < 1 || request > MAX_MESSAGE || reply > MAX_MESSAGE) {
                return;
            }
            MemorySegment buf = arena.allocate(Math.max(request, reply), 8);
            MemorySegment in = buf.asSlice(0, request);
            MemorySegment out = buf.asSlice(0, reply);
            while (true) {
                conn.receiveFully(in, null, 0);
                conn.send(out);
            }
        } catch (IOException e) {
            // the client hung up: this connection is done
        }
    }
}
