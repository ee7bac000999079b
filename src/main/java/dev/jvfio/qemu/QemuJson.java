package dev.jvfio.qemu;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * QEMU's JSON option syntax ({@code -device '{"driver":...}'}), written by Jackson's generator so
 * that strings are escaped and numbers stay JSON numbers ({@code "pref64-reserve":274877906944}).
 *
 * <p>Why every {@code -device} we print is JSON: QEMU creates all key=value {@code -device}s before
 * all JSON ones, whatever their order on the command line (system/vl.c keeps them in two lists).
 * libvirt writes its devices as JSON, so a key=value root port without an address would be created
 * first and take the slot libvirt gave one of its own devices ("slot 1 function 0 not available").
 * As JSON, ours are created after libvirt's, in command-line order, and take free slots.
 */
final class QemuJson {
    /** jackson-core's generator, not databind: this runs on the way to serving (startup time). */
    private static final JsonFactory JSON = new JsonFactory();

    private QemuJson() {}

    /**
     * One JSON object, keys in the map's order. Values: {@link String}, {@link Long}/{@link Integer},
     * {@link Boolean}, or a nested {@link Map} of the same.
     */
    static String object(Map<String, ?> properties) {
        StringWriter text = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(text)) {
            write(g, properties);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return text.toString();
    }

    private static void write(JsonGenerator g, Map<String, ?> properties) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            g.writeFieldName(e.getKey());
            switch (e.getValue()) {
                case String s -> g.writeString(s);
                case Long n -> g.writeNumber(n);
                case Integer n -> g.writeNumber(n);
                case Boolean b -> g.writeBoolean(b);
                case Map<?, ?> m -> {
                    @SuppressWarnings("unchecked")
                    Map<String, ?> nested = (Map<String, ?>) m;
                    write(g, nested);
                }
                default -> throw new IllegalArgumentException("not a QEMU JSON value: " + e.getValue());
            }
        }
        g.writeEndObject();
    }
}
