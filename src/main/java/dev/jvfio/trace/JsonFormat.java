package dev.jvfio.trace;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvfio.device.Errno;
import dev.jvfio.protocol.Command;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;

/**
 * The {@code --json} file: one JSON object per line, in the format of the recorded traces the
 * replay tests read ({@code seq}, {@code conn}, {@code dir}, {@code nfds}, {@code fd_kinds},
 * {@code hex}; {@code {"event": "connect"}} and {@code {"event": "close"}} lines), plus what the
 * printed line shows, as fields. docs/trace.md has the schema.
 */
final class JsonFormat {
    /** Generators leave the file open: one is made per line. */
    private final ObjectMapper mapper = new ObjectMapper(JsonFactory.builder()
                    .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final OutputStream out;

    JsonFormat(OutputStream out) {
        this.out = out;
    }

    static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS).toString();
    }

    void message(long seq, TraceEvent.Message m) throws IOException {
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("seq", seq);
            g.writeStringField("conn", m.conn());
            g.writeStringField("dir", m.dir().label());
            g.writeStringField("time", time(m.time()));
            g.writeNumberField("id", m.id());
            g.writeNumberField("cmd", m.command());
            g.writeStringField("command", Command.name(m.command()));
            g.writeStringField("type", TextFormat.type(m.flags()));
            g.writeNumberField("flags", Integer.toUnsignedLong(m.flags()));
            if (m.error() != 0) {
                g.writeNumberField("error", Integer.toUnsignedLong(m.error()));
                g.writeStringField("errno", Errno.name(m.error()));
            }
            g.writeNumberField("size", m.size());
            g.writeNumberField("nfds", m.fdKinds().size());
            strings(g, "fd_kinds", m.fdKinds());
            g.writeObjectFieldStart("fields");
            for (Field f : m.decoded().fields()) {
                field(g, f);
            }
            g.writeEndObject();
            if (m.rttNanos() >= 0) {
                g.writeNumberField("rtt_us", Math.round(m.rttNanos() / 100.0) / 10.0);
            }
            if (m.malformed()) {
                g.writeArrayFieldStart("problems");
                for (String p : m.framing()) {
                    g.writeString(p);
                }
                for (String p : m.decoded().problems()) {
                    g.writeString(p);
                }
                g.writeEndArray();
            }
            if (m.bytes() != null) {
                g.writeStringField("hex", HexFormat.of().formatHex(m.bytes()));
            }
            g.writeEndObject();
        }
        out.write('\n');
    }

    void chunk(long seq, long of, TraceEvent.Chunk c) throws IOException {
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("seq", seq);
            g.writeStringField("conn", c.conn());
            g.writeStringField("dir", c.dir().label());
            g.writeStringField("time", time(c.time()));
            g.writeNumberField("chunk_of", of);
            g.writeNumberField("nfds", c.fdKinds().size());
            strings(g, "fd_kinds", c.fdKinds());
            g.writeStringField("hex", HexFormat.of().formatHex(c.bytes()));
            g.writeEndObject();
        }
        out.write('\n');
    }

    void connect(TraceEvent.Connect c) throws IOException {
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("event", "connect");
            g.writeStringField("conn", c.conn());
            g.writeStringField("time", time(c.time()));
            g.writeStringField("client", c.client());
            g.writeStringField("server", c.server());
            if (c.failure() != null) {
                g.writeStringField("failure", c.failure());
            }
            g.writeEndObject();
        }
        out.write('\n');
    }

    void close(TraceEvent.Close c) throws IOException {
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("event", "close");
            g.writeStringField("conn", c.conn());
            g.writeStringField("time", time(c.time()));
            g.writeStringField("reason", c.reason());
            counts(g, Direction.CLIENT_TO_SERVER.label(), c.clientSide());
            counts(g, Direction.SERVER_TO_CLIENT.label(), c.serverSide());
            g.writeNumberField("unanswered", c.unanswered());
            g.writeEndObject();
        }
        out.write('\n');
    }

    private static void counts(JsonGenerator g, String name, TraceEvent.Counts n) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeNumberField("messages", n.messages());
        g.writeNumberField("requests", n.requests());
        g.writeNumberField("posted", n.posted());
        g.writeNumberField("replies", n.replies());
        g.writeNumberField("errors", n.errors());
        g.writeNumberField("malformed", n.malformed());
        g.writeNumberField("fds", n.fds());
        g.writeNumberField("bytes", n.bytes());
        g.writeEndObject();
    }

    private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private void field(JsonGenerator g, Field f) throws IOException {
        switch (f.kind()) {
            case DEC -> {
                if (f.number() >= 0) {
                    g.writeNumberField(f.name(), f.number());
                } else {
                    g.writeFieldName(f.name());
                    g.writeNumber(Long.toUnsignedString(f.number()));
                }
            }
            case JSON -> {
                JsonNode tree = parse(f.text());
                if (tree != null) {
                    g.writeFieldName(f.name());
                    g.writeTree(tree);
                } else {
                    g.writeStringField(f.name(), f.text());
                }
            }
            default -> g.writeStringField(f.name(), f.value());
        }
    }

    /** The JSON text as a tree, or null if it is not one well-formed JSON value. */
    private JsonNode parse(String text) {
        try {
            return mapper.readTree(text);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
