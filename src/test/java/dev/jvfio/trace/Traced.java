package dev.jvfio.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvfio.TempDirs;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test fixture: a {@link TraceProxy} in this JVM listening on {@code p} in a fresh /tmp directory,
 * forwarding to {@code upstream}, its printed lines collected in memory and its JSON lines in
 * {@code trace.jsonl}. {@link #close()} stops it; the output is complete after that.
 */
public final class Traced implements AutoCloseable {
    private final Path dir;
    private final StringWriter text = new StringWriter();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final TraceProxy proxy;
    private final Path json;

    private Traced(Path dir, Path upstream, boolean json, boolean hex, CommandFilter filter) throws IOException {
        this.dir = dir;
        this.json = json ? dir.resolve("trace.jsonl") : null;
        this.proxy = TraceProxy.start(
                new TraceOptions(dir.resolve("p"), upstream, this.json, hex, filter), text, warnings::add);
    }

    /** With the JSON file, no hex dump, every command printed. */
    public static Traced start(Path upstream) throws IOException {
        return start(upstream, true, false, CommandFilter.all());
    }

    public static Traced start(Path upstream, boolean json, boolean hex, CommandFilter filter) throws IOException {
        Path dir = TempDirs.create();
        try {
            return new Traced(dir, upstream, json, hex, filter);
        } catch (IOException | RuntimeException e) {
            TempDirs.delete(dir);
            throw e;
        }
    }

    /** The socket a client connects to. */
    public Path socket() {
        return dir.resolve("p");
    }

    public TraceProxy proxy() {
        return proxy;
    }

    public String text() {
        return text.toString();
    }

    public List<String> warnings() {
        return warnings;
    }

    /** The JSON lines, parsed (call after {@link #close()}). */
    public List<JsonNode> events() throws IOException {
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : jsonLines()) {
            out.add(m.readTree(line));
        }
        return out;
    }

    /** The message lines of the JSON file (those with a seq and no chunk_of). */
    public List<JsonNode> messages() throws IOException {
        return events().stream().filter(e -> e.has("seq") && !e.has("chunk_of")).toList();
    }

    /** Waits until the proxy has no connection open (both sides closed and reported). */
    public void awaitIdle() throws InterruptedException {
        for (int i = 0; i < 1000 && proxy.openConnections() > 0; i++) {
            Thread.sleep(10);
        }
        if (proxy.openConnections() > 0) {
            throw new AssertionError("a proxied connection is still open after 10 s");
        }
    }

    @Override
    public void close() throws IOException {
        try {
            proxy.close();
            if (json != null) {
                jsonLines = Files.readAllLines(json);
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** The JSON file's lines as they were when the proxy stopped (call after {@link #close()}). */
    public List<String> jsonLines() {
        if (jsonLines == null) {
            throw new IllegalStateException("close() first: the JSON file is complete once the proxy stopped");
        }
        return jsonLines;
    }

    private List<String> jsonLines;
}
