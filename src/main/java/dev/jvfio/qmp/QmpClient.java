package dev.jvfio.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A QMP client (QEMU Machine Protocol: one JSON object per line over a UNIX socket) for what serve
 * asks of the VMM that attached a device: {@code device_del} and its {@code DEVICE_DELETED} event.
 * Connecting reads QEMU's greeting and leaves capability negotiation done. A reader thread parses
 * the lines; replies and events wait in this object until asked for. QMP passes no fds, so the JDK's
 * own UNIX socket channel does.
 *
 * <p>What QEMU sends is trusted no further than needed: lines are bounded, non-JSON lines end the
 * conversation, every wait has a deadline. Thread-safe; one command at a time.
 */
public final class QmpClient implements AutoCloseable {
    /** A QMP line longer than this (QEMU's are far shorter) ends the conversation. */
    static final int MAX_LINE = 1 << 20;
    /** Events kept until asked for; older ones are dropped. */
    static final int MAX_EVENTS = 256;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<JsonNode> replies = new ArrayDeque<>();
    private final ArrayDeque<JsonNode> events = new ArrayDeque<>();
    private final Thread reader;
    private String failure;
    private final Object commandLock = new Object();

    private QmpClient(SocketChannel channel, String name) {
        this.channel = channel;
        this.reader = Thread.ofVirtual().name("qmp " + name).unstarted(this::readLoop);
    }

    /**
     * Connects to QEMU's QMP socket at {@code socket}, reads the greeting and negotiates
     * capabilities, all within {@code timeout}.
     */
    public static QmpClient connect(Path socket, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        QmpClient c = new QmpClient(ch, socket.getFileName().toString());
        c.reader.start();
        try {
            JsonNode greeting = c.next(c.replies, timeout);
            if (!greeting.has("QMP")) {
                throw new QmpException("not a QMP greeting: " + abbreviate(greeting.toString()));
            }
            c.execute("qmp_capabilities", null, timeout);
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /**
     * Runs one command and returns its {@code return} value; a QMP error reply is a
     * {@link QmpException} with QEMU's class and description.
     */
    public JsonNode execute(String command, ObjectNode arguments, Duration timeout) throws IOException {
        ObjectNode req = JSON.createObjectNode().put("execute", command);
        if (arguments != null) {
            req.set("arguments", arguments);
        }
        byte[] line = (JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (commandLock) {
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            JsonNode reply = next(replies, timeout);
            if (reply.has("error")) {
                JsonNode err = reply.get("error");
                throw new QmpException(
                        err.path("class").asText(null), err.path("desc").asText("QMP error"));
            }
            if (!reply.has("return")) {
                throw new QmpException("unexpected QMP reply: " + abbreviate(reply.toString()));
            }
            return reply.get("return");
        }
    }

    /** {@code device_del} of the device with QEMU id {@code id}. */
    public void deviceDel(String id, Duration timeout) throws IOException {
        execute("device_del", JSON.createObjectNode().put("id", id), timeout);
    }

    /** An empty argument object to fill, for {@link #execute}. */
    public static ObjectNode arguments() {
        return JSON.createObjectNode();
    }

    /**
     * Waits up to {@code timeout} for an event that {@code matches} (events that do not are dropped);
     * null when none came.
     */
    public JsonNode awaitEvent(Predicate<JsonNode> matches, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode e;
            try {
                e = next(events, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (QmpException timedOut) {
                if (failure == null) {
                    return null;
                }
                throw timedOut;
            }
            if (matches.test(e)) {
                return e;
            }
        }
    }

    /** Whether {@code event} is QEMU's DEVICE_DELETED for the device with id {@code id}. */
    public static boolean deviceDeleted(JsonNode event, String id) {
        return "DEVICE_DELETED".equals(event.path("event").asText())
                && id.equals(event.path("data").path("device").asText(null));
    }

    private JsonNode next(ArrayDeque<JsonNode> queue, Duration timeout) throws QmpException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (failure != null) {
                    throw new QmpException(failure);
                }
                if (nanos <= 0) {
                    throw new QmpException("no answer from QEMU within " + timeout.toMillis() + " ms");
                }
                try {
                    nanos = arrived.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new QmpException("interrupted while waiting for QEMU");
                }
            }
            return queue.poll();
        } finally {
            lock.unlock();
        }
    }

    private void readLoop() {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        String why = "QEMU closed the QMP connection";
        try {
            while (true) {
                buf.clear();
                int n = channel.read(buf);
                if (n < 0) {
                    break;
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    byte b = buf.get();
                    if (b == '\n') {
                        deliver(line.toString(StandardCharsets.UTF_8).trim());
                        line.reset();
                    } else if (line.size() >= MAX_LINE) {
                        throw new QmpException("a QMP line longer than " + MAX_LINE + " bytes");
                    } else {
                        line.write(b);
                    }
                }
            }
        } catch (IOException e) {
            why = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        lock.lock();
        try {
            failure = why;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void deliver(String text) throws QmpException {
        if (text.isEmpty()) {
            return;
        }
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new QmpException("not JSON from QMP: " + abbreviate(text));
        }
        if (m == null || !m.isObject()) {
            throw new QmpException("not a QMP message: " + abbreviate(text));
        }
        lock.lock();
        try {
            if (m.has("event")) {
                if (events.size() >= MAX_EVENTS) {
                    events.poll();
                }
                events.add(m);
            } else {
                replies.add(m);
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            reader.join(TimeUnit.SECONDS.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
