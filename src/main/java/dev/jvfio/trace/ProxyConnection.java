package dev.jvfio.trace;

import dev.jvfio.protocol.Header;
import dev.jvfio.transport.UnixConnection;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One client proxied to the server: a forwarding thread per direction, the requests in flight
 * each way (for round-trip times and the unanswered count), and the end: when either side closes
 * or fails, both sockets are shut down, so the other side sees the disconnect as it would without
 * the proxy, and a close event with each side's counts is reported.
 */
final class ProxyConnection {
    private final String name;
    private final UnixConnection client;
    private final UnixConnection server;
    private final TraceSink sink;
    private final Consumer<ProxyConnection> onClosed;
    private final Pump clientToServer;
    private final Pump serverToClient;
    /** Requests waiting for a reply, by (id, command), per direction of the request: nanoTime when seen. */
    private final Map<Integer, Long> pendingFromClient = new ConcurrentHashMap<>();

    private final Map<Integer, Long> pendingFromServer = new ConcurrentHashMap<>();
    private final AtomicReference<String> endReason = new AtomicReference<>();
    private final AtomicInteger running = new AtomicInteger(2);
    private final CountDownLatch closed = new CountDownLatch(1);

    ProxyConnection(
            String name,
            UnixConnection client,
            UnixConnection server,
            TraceSink sink,
            Consumer<ProxyConnection> onClosed) {
        this.name = name;
        this.client = client;
        this.server = server;
        this.sink = sink;
        this.onClosed = onClosed;
        this.clientToServer = new Pump(this, Direction.CLIENT_TO_SERVER, client, server, sink);
        this.serverToClient = new Pump(this, Direction.SERVER_TO_CLIENT, server, client, sink);
    }

    String name() {
        return name;
    }

    void start() {
        Thread.ofPlatform().name("jvfio trace " + name + " C->S").start(clientToServer);
        Thread.ofPlatform().name("jvfio trace " + name + " S->C").start(serverToClient);
    }

    /** Whether the connection is ending (a side closed, or the proxy stops). */
    boolean closing() {
        return endReason.get() != null;
    }

    /**
     * Round-trip bookkeeping for a message going {@code dir}: a request (not posted) is remembered;
     * a reply finds its request, going the other way, and gets the time since. Odd cases become
     * problems of the message: a reply nobody asked for, an id reused while its request waits.
     *
     * @return the reply's round-trip time in nanoseconds, else -1
     */
    long roundTrip(Direction dir, int flags, int id, int command, long now, List<String> problems) {
        int key = (id << 16) | command;
        int type = flags & Header.TYPE_MASK;
        if (type == Header.TYPE_REPLY) {
            Long sent = pending(dir.opposite()).remove(key);
            if (sent == null) {
                problems.add("a reply to no pending request");
                return -1;
            }
            return now - sent;
        }
        if (type == Header.TYPE_COMMAND
                && (flags & Header.FLAG_NO_REPLY) == 0
                && pending(dir).put(key, now) != null) {
            problems.add("id " + id + " reused while a request with it waits for its reply");
        }
        return -1;
    }

    private Map<Integer, Long> pending(Direction requestDir) {
        return requestDir == Direction.CLIENT_TO_SERVER ? pendingFromClient : pendingFromServer;
    }

    /**
     * A forwarding thread has ended ({@code reason} says why, or null when it ended because the
     * connection was already closing): the first reason is the connection's; both sockets are shut
     * down; the last thread to end closes them and reports.
     */
    void ended(String reason) {
        endReason.compareAndSet(null, reason == null ? "closed" : reason);
        client.shutdown();
        server.shutdown();
        if (running.decrementAndGet() == 0) {
            client.close();
            server.close();
            sink.publish(new TraceEvent.Close(
                    name,
                    Instant.now(),
                    endReason.get(),
                    clientToServer.counts().snapshot(),
                    serverToClient.counts().snapshot(),
                    pendingFromClient.size() + pendingFromServer.size()));
            closed.countDown();
            onClosed.accept(this);
        }
    }

    /** Closes both sides (the proxy stops) and waits up to {@code millis} for the threads to end. */
    void close(String reason, long millis) {
        endReason.compareAndSet(null, reason);
        client.shutdown();
        server.shutdown();
        await(millis);
    }

    /** Waits until both sides are closed and reported; false on timeout. */
    boolean await(long millis) {
        try {
            return closed.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
