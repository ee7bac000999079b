package dev.jvfio.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.jvfio.device.Errno;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The VERSION capabilities (VU-3.3) as one side announced them; absent keys take the spec's
 * defaults. Parsing treats the JSON as hostile: bounded size, nesting and number length, unknown
 * keys ignored, a known key of the wrong type or range is EINVAL.
 *
 * @param maxMsgFds        file descriptors the sender can receive in one message
 * @param maxDataXferSize  largest data count of one REGION/DMA read or write
 * @param maxDmaMaps       DMA windows valid at once
 * @param pgsizes          page sizes (or'ed) usable in DMA maps
 * @param writeMultiple    REGION_WRITE_MULTI supported
 * @param migration        a "migration" object was present: the first migration draft's capability,
 *                         which QEMU still sends; migration v2 needs none, so it is never echoed (VU-10.16)
 */
public record Capabilities(
        long maxMsgFds, long maxDataXferSize, long maxDmaMaps, long pgsizes, boolean writeMultiple, boolean migration) {

    public static final long DEFAULT_MAX_MSG_FDS = 1;
    public static final long DEFAULT_MAX_DATA_XFER_SIZE = 1 << 20;
    public static final long DEFAULT_MAX_DMA_MAPS = 65535;
    /** VU-3.3: the value when pgsizes is absent; a protocol constant, not this host's page (os.PageSize). */
    public static final long DEFAULT_PGSIZES = 4096;
    /** We refuse capability JSON longer than this (QEMU's is about 200 bytes). */
    public static final int MAX_JSON_BYTES = 4096;

    /** What the spec says a peer supports when it announces nothing. */
    public static final Capabilities DEFAULTS = new Capabilities(
            DEFAULT_MAX_MSG_FDS, DEFAULT_MAX_DATA_XFER_SIZE, DEFAULT_MAX_DMA_MAPS, DEFAULT_PGSIZES, false, false);

    /**
     * jackson-core's streaming parser, not databind: the tree model costs ~0.1 s of CPU to load and
     * set up, on the path to the first VERSION answered (found measuring launch-to-ready).
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(8)
                    .maxNumberLength(24)
                    .maxStringLength(MAX_JSON_BYTES)
                    .maxNameLength(256)
                    .maxDocumentLength(MAX_JSON_BYTES)
                    .build())
            .build();

    /** Thrown by {@link #parse}; carries the errno for the error reply. */
    public static final class Invalid extends Exception {
        private final int errno;

        Invalid(int errno, String message) {
            super(message, null, false, false);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /**
     * Parses the JSON text (without its terminating NUL). An empty array means "no capabilities".
     * Unknown keys are skipped (their JSON must still be well-formed); of a key given twice the
     * last value counts, as in a JSON object model; nothing after the top-level object is read.
     */
    public static Capabilities parse(byte[] json) throws Invalid {
        if (json.length == 0) {
            return DEFAULTS;
        }
        if (json.length > MAX_JSON_BYTES) {
            throw new Invalid(Errno.E2BIG, "capabilities JSON of " + json.length + " bytes");
        }
        Map<String, Value> caps = null; // the last "capabilities" object, by key
        boolean capsIsObject = true;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new Invalid(Errno.EINVAL, "capabilities JSON is not an object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("capabilities")) {
                    capsIsObject = v == JsonToken.START_OBJECT;
                    caps = capsIsObject ? members(p) : Map.of();
                    if (!capsIsObject) {
                        p.skipChildren();
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new Invalid(Errno.EINVAL, "malformed capabilities JSON: unexpected " + t);
            }
        } catch (IOException | RuntimeException e) {
            throw new Invalid(Errno.EINVAL, "malformed capabilities JSON: " + e.getMessage());
        }
        if (caps == null) {
            return DEFAULTS;
        }
        if (!capsIsObject) {
            throw new Invalid(Errno.EINVAL, "\"capabilities\" is not an object");
        }
        long maxFds = number(caps, "max_msg_fds", DEFAULT_MAX_MSG_FDS);
        long maxXfer = number(caps, "max_data_xfer_size", DEFAULT_MAX_DATA_XFER_SIZE);
        long maxMaps = number(caps, "max_dma_maps", DEFAULT_MAX_DMA_MAPS);
        long pgsizes = number(caps, "pgsizes", DEFAULT_PGSIZES);
        if (pgsizes == 0) {
            throw new Invalid(Errno.EINVAL, "pgsizes is 0");
        }
        boolean multi = false;
        Value m = caps.get("write_multiple");
        if (m != null) {
            if (m.token() != JsonToken.VALUE_TRUE && m.token() != JsonToken.VALUE_FALSE) {
                throw new Invalid(Errno.EINVAL, "write_multiple is not a boolean");
            }
            multi = m.token() == JsonToken.VALUE_TRUE;
        }
        Value mig = caps.get("migration");
        if (mig != null && mig.token() != JsonToken.START_OBJECT) {
            throw new Invalid(Errno.EINVAL, "migration is not an object");
        }
        Value twin = caps.get("twin_socket");
        if (twin != null && twin.token() != JsonToken.START_OBJECT) {
            throw new Invalid(Errno.EINVAL, "twin_socket is not an object");
        }
        return new Capabilities(maxFds, maxXfer, maxMaps, pgsizes, multi, mig != null);
    }

    /** One member's value: its first token, and for an integer that fits a long, the number. */
    private record Value(JsonToken token, boolean fitsLong, long number, String text) {}

    /** The members of the object whose START_OBJECT was just read (parser left on its END_OBJECT). */
    private static Map<String, Value> members(JsonParser p) throws IOException {
        Map<String, Value> out = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            boolean fits = v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
            String text = v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY ? v.asString() : p.getText();
            out.put(name, new Value(v, fits, fits ? p.getLongValue() : 0, text));
            p.skipChildren();
        }
        return out;
    }

    private static long number(Map<String, Value> caps, String key, long dflt) throws Invalid {
        Value n = caps.get(key);
        if (n == null) {
            return dflt;
        }
        if (!n.fitsLong() || n.number() < 0 || n.number() > 0xFFFF_FFFFL) {
            throw new Invalid(Errno.EINVAL, key + " is not an unsigned 32-bit integer: " + n.text());
        }
        return n.number();
    }

    /** The JSON text (no NUL) announcing these capabilities. */
    public byte[] toJson() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeObjectFieldStart("capabilities");
            g.writeNumberField("max_msg_fds", maxMsgFds);
            g.writeNumberField("max_data_xfer_size", maxDataXferSize);
            g.writeNumberField("pgsizes", pgsizes);
            g.writeNumberField("max_dma_maps", maxDmaMaps);
            if (writeMultiple) {
                g.writeBooleanField("write_multiple", true);
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }
}
