package dev.jvfio.trace;

import dev.jvfio.transport.ClosedException;
import dev.jvfio.transport.PeerCredentials;
import dev.jvfio.transport.SocketAccess;
import dev.jvfio.transport.UnixConnection;
import dev.jvfio.transport.UnixServerSocket;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The proxy: listens on {@link TraceOptions#listen()}; for each client it accepts it connects to
 * {@link TraceOptions#connect()} and forwards both ways ({@link ProxyConnection}), reporting every
 * message to the printed log and the JSON file. A client whose server cannot be reached is told
 * by the connection closing at once (the proxy cannot refuse a connect it already accepted).
 * The listening socket is the owner's only (mode 0600), as {@code jvfio serve}'s are by default.
 */
public final class TraceProxy implements AutoCloseable {
    /** How long {@link #close()} gives each connection's threads to end. */
    private static final long CLOSE_MILLIS = 5_000;
    /** Pause after a failed accept before the next (a failure such as EMFILE would repeat at once). */
    private static final long ACCEPT_RETRY_NANOS = 100_000_000;

    private final TraceOptions options;
    private final UnixServerSocket listener;
    private final TraceSink sink;
    private final Consumer<String> warn;
    private final Set<ProxyConnection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;
    private int accepted;

    private TraceProxy(TraceOptions options, UnixServerSocket listener, TraceSink sink, Consumer<String> warn) {
        this.options = options;
        this.listener = listener;
        this.sink = sink;
        this.warn = warn;
        this.acceptor = Thread.ofPlatform().name("jvfio trace accept").start(this::acceptAll);
    }

    /**
     * Creates the JSON file (if asked for), listens, and starts accepting clients.
     *
     * @param text where the printed lines go (stdout), or null for none
     * @param warn where problems of the proxy itself are reported (stderr)
     * @throws IOException the listening socket or the JSON file cannot be created
     */
    public static TraceProxy start(TraceOptions options, Writer text, Consumer<String> warn) throws IOException {
        OutputStream json = options.json() == null
                ? null
                : new BufferedOutputStream(Files.newOutputStream(options.json()), 1 << 16);
        TraceSink sink = new TraceSink(text, json, options.filter(), options.hex(), warn);
        try {
            return new TraceProxy(
                    options, UnixServerSocket.listen(options.listen(), SocketAccess.ownerOnly()), sink, warn);
        } catch (IOException | RuntimeException e) {
            sink.close();
            throw e;
        }
    }

    private void acceptAll() {
        while (!closed) {
            UnixConnection client;
            try {
                client = listener.accept();
            } catch (ClosedException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // e.g. EMFILE: out of descriptors for now; the listener itself is fine
                warn.accept("accepting a client failed: " + e.getMessage());
                LockSupport.parkNanos(ACCEPT_RETRY_NANOS);
                continue;
            }
            serve(client, "conn" + (++accepted));
        }
    }

    private void serve(UnixConnection client, String name) {
        String who = describe(client);
        UnixConnection server;
        try {
            server = UnixConnection.connect(options.connect());
        } catch (IOException e) {
            sink.publish(new TraceEvent.Connect(
                    name, Instant.now(), who, options.connect().toString(), e.getMessage()));
            client.close();
            return;
        }
        ProxyConnection c = new ProxyConnection(name, client, server, sink, connections::remove);
        connections.add(c);
        sink.publish(new TraceEvent.Connect(
                name, Instant.now(), who, options.connect().toString(), null));
        c.start();
        if (closed) {
            c.close("the proxy stopped", CLOSE_MILLIS);
        }
    }

    private static String describe(UnixConnection client) {
        try {
            PeerCredentials p = client.peerCredentials();
            return "client pid " + p.pid() + " uid " + p.uid();
        } catch (IOException e) {
            return "client";
        }
    }

    /** Connections open now. */
    public int openConnections() {
        return connections.size();
    }

    /**
     * Stops listening, closes every connection (both sides see the disconnect), writes what is
     * left of the trace and closes the JSON file. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        listener.close();
        try {
            acceptor.join(CLOSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProxyConnection c : List.copyOf(connections)) {
            c.close("the proxy stopped", CLOSE_MILLIS);
        }
        sink.close();
    }
}
