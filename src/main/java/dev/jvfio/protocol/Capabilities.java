package dev.jvfio.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvfio.device.Errno;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

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
 * @param migration        a "migration" object was present (we never echo it: no migration support)
 */
public record Capabilities(long maxMsgFds, long maxDataXferSize, long maxDmaMaps, long pgsizes,
                           boolean writeMultiple, boolean migration) {

    public static final long DEFAULT_MAX_MSG_FDS = 1;
    public static final long DEFAULT_MAX_DATA_XFER_SIZE = 1 << 20;
    public static final long DEFAULT_MAX_DMA_MAPS = 65535;
    public static final long DEFAULT_PGSIZES = 4096;
    /** We refuse capability JSON longer than this (QEMU's is about 200 bytes). */
    public static final int MAX_JSON_BYTES = 4096;

    /** What the spec says a peer supports when it announces nothing. */
    public static final Capabilities DEFAULTS = new Capabilities(DEFAULT_MAX_MSG_FDS,
            DEFAULT_MAX_DATA_XFER_SIZE, DEFAULT_MAX_DMA_MAPS, DEFAULT_PGSIZES, false, false);

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(8)
                    .maxNumberLength(24)
                    .maxStringLength(MAX_JSON_BYTES)
                    .maxNameLength(256)
                    .maxDocumentLength(MAX_JSON_BYTES)
                    .build())
            .build());

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
     */
    public static Capabilities parse(byte[] json) throws Invalid {
        if (json.length == 0) {
            return DEFAULTS;
        }
        if (json.length > MAX_JSON_BYTES) {
            throw new Invalid(Errno.E2BIG, "capabilities JSON of " + json.length + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException | RuntimeException e) {
            throw new Invalid(Errno.EINVAL, "malformed capabilities JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new Invalid(Errno.EINVAL, "capabilities JSON is not an object");
        }
        JsonNode caps = root.get("capabilities");
        if (caps == null) {
            return DEFAULTS;
        }
        if (!caps.isObject()) {
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
        JsonNode m = caps.get("write_multiple");
        if (m != null) {
            if (!m.isBoolean()) {
                throw new Invalid(Errno.EINVAL, "write_multiple is not a boolean");
            }
            multi = m.booleanValue();
        }
        JsonNode mig = caps.get("migration");
        if (mig != null && !mig.isObject()) {
            throw new Invalid(Errno.EINVAL, "migration is not an object");
        }
        JsonNode twin = caps.get("twin_socket");
        if (twin != null && !twin.isObject()) {
            throw new Invalid(Errno.EINVAL, "twin_socket is not an object");
        }
        return new Capabilities(maxFds, maxXfer, maxMaps, pgsizes, multi, mig != null);
    }

    private static long number(JsonNode caps, String key, long dflt) throws Invalid {
        JsonNode n = caps.get(key);
        if (n == null) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0
                || n.longValue() > 0xFFFF_FFFFL) {
            throw new Invalid(Errno.EINVAL, key + " is not an unsigned 32-bit integer: " + n);
        }
        return n.longValue();
    }

    /** The JSON text (no NUL) announcing these capabilities. */
    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode caps = root.putObject("capabilities");
        caps.put("max_msg_fds", maxMsgFds);
        caps.put("max_data_xfer_size", maxDataXferSize);
        caps.put("pgsizes", pgsizes);
        caps.put("max_dma_maps", maxDmaMaps);
        if (writeMultiple) {
            caps.put("write_multiple", true);
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }
}
