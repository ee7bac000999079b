package dev.jvfio.trace;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Writes the trace on a thread of its own, so formatting and file I/O stay off the forwarding
 * threads: they only put events into a lock-free queue, in the order the messages went through
 * (a request is queued before it is forwarded, so its reply always comes after it). The writer
 * numbers the events ({@code seq}), prints the lines that pass the filter and writes every event
 * to the JSON file.
 *
 * <p>It wakes up about once a millisecond while messages flow and writes what came meanwhile in one
 * go; after a while without any it sleeps until the next event. The queue is bounded by the bytes
 * it holds: a forwarding thread waits when the writer is that far behind, so every message gets
 * into the trace and memory stays bounded. If writing fails (disk full, stdout closed), the
 * failure is reported once and forwarding goes on without the trace.
 */
final class TraceSink implements AutoCloseable {
    /** Bytes of events waiting to be written before forwarding waits for the writer. */
    static final long BUDGET = 64L << 20;

    private static final long NAP_NANOS = 1_000_000;
    /** Naps without an event before the writer sleeps until woken. */
    private static final int IDLE_NAPS = 100;

    private static final long BACKPRESSURE_NANOS = 100_000;

    private final ConcurrentLinkedQueue<TraceEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private final Writer text;
    private final OutputStream jsonOut;
    private final JsonFormat json;
    private final CommandFilter filter;
    private final boolean hex;
    private final Consumer<String> warn;
    private final Thread writer;
    private final Map<String, Long> lastMessage = new HashMap<>();
    private volatile boolean sleeping;
    private volatile boolean closing;
    private boolean failed;
    private long seq;

    /**
     * @param text    where the lines go (stdout), or null for none
     * @param jsonOut the JSON lines file (closed by {@link #close()}), or null for none
     * @param warn    where a failure to write is reported
     */
    TraceSink(Writer text, OutputStream jsonOut, CommandFilter filter, boolean hex, Consumer<String> warn) {
        this.text = text;
        this.jsonOut = jsonOut;
        this.json = jsonOut == null ? null : new JsonFormat(jsonOut);
        this.filter = filter;
        this.hex = hex;
        this.warn = warn;
        this.writer = Thread.ofPlatform().name("jvfio trace writer").daemon().start(this::run);
    }

    /** Whether events should carry the message bytes (the JSON file and --hex show them). */
    boolean wantsBytes() {
        return json != null || (hex && text != null);
    }

    /** Queues an event; waits while the writer is {@link #BUDGET} bytes behind. */
    void publish(TraceEvent e) {
        while (queued.get() > BUDGET && !closing && writer.isAlive()) {
            wake();
            LockSupport.parkNanos(BACKPRESSURE_NANOS);
        }
        queued.addAndGet(e.cost());
        queue.add(e);
        if (sleeping) {
            wake();
        }
    }

    private void wake() {
        sleeping = false;
        LockSupport.unpark(writer);
    }

    private void run() {
        int idle = 0;
        while (true) {
            boolean any = false;
            TraceEvent e;
            while ((e = queue.poll()) != null) {
                write(e);
                queued.addAndGet(-e.cost());
                any = true;
            }
            if (any) {
                flush();
                idle = 0;
            } else if (closing) {
                return;
            } else if (idle < IDLE_NAPS) {
                idle++;
            } else {
                sleeping = true;
                if (queue.isEmpty() && !closing) {
                    LockSupport.park(this);
                }
                sleeping = false;
                continue;
            }
            LockSupport.parkNanos(NAP_NANOS);
        }
    }

    private void write(TraceEvent e) {
        if (failed) {
            return;
        }
        try {
            switch (e) {
                case TraceEvent.Message m -> {
                    long n = ++seq;
                    lastMessage.put(m.conn() + m.dir().label(), n);
                    if (text != null && filter.shows(m.command())) {
                        StringBuilder sb = new StringBuilder(TextFormat.line(m)).append('\n');
                        if (hex && m.bytes() != null) {
                            TextFormat.hexDump(sb, m.bytes());
                        }
                        text.write(sb.toString());
                    }
                    if (json != null) {
                        json.message(n, m);
                    }
                }
                case TraceEvent.Chunk c -> {
                    long n = ++seq;
                    if (json != null) {
                        json.chunk(
                                n, lastMessage.getOrDefault(c.conn() + c.dir().label(), 0L), c);
                    }
                }
                case TraceEvent.Connect c -> {
                    if (text != null) {
                        text.write(TextFormat.connect(c) + "\n");
                    }
                    if (json != null) {
                        json.connect(c);
                    }
                }
                case TraceEvent.Close c -> {
                    lastMessage.remove(c.conn() + Direction.CLIENT_TO_SERVER.label());
                    lastMessage.remove(c.conn() + Direction.SERVER_TO_CLIENT.label());
                    if (text != null) {
                        text.write(TextFormat.close(c) + "\n");
                    }
                    if (json != null) {
                        json.close(c);
                    }
                }
            }
        } catch (IOException | RuntimeException ex) {
            failed = true;
            warn.accept("writing the trace failed, forwarding goes on without it: " + ex);
        }
    }

    private void flush() {
        if (failed) {
            return;
        }
        try {
            if (text != null) {
                text.flush();
            }
            if (jsonOut != null) {
                jsonOut.flush();
            }
        } catch (IOException | RuntimeException ex) {
            failed = true;
            warn.accept("writing the trace failed, forwarding goes on without it: " + ex);
        }
    }

    /** Writes what is queued, stops the writer and closes the JSON file. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (jsonOut != null) {
            try {
                jsonOut.close();
            } catch (IOException e) {
                warn.accept("closing the JSON trace failed: " + e);
            }
        }
    }
}
