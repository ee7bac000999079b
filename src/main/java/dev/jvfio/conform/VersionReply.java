package dev.jvfio.conform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A VERSION payload as the server sent it (VU-3.1): {@code u16 major, u16 minor}, then optionally
 * NUL-terminated UTF-8 JSON {@code {"capabilities": {...}}}. {@link #problems()} lists what is
 * malformed in it; {@link #notASubset} what it announces that the proposal did not (VU-3.2).
 */
record VersionReply(int major, int minor, Caps caps, JsonNode capabilities, List<String> problems) {
    /** The capability names the specification (and VU-3.3) defines. */
    static final Set<String> KNOWN = Set.of(
            "max_msg_fds",
            "max_data_xfer_size",
            "max_dma_maps",
            "pgsizes",
            "twin_socket",
            "write_multiple",
            "migration");

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static VersionReply parse(byte[] payload) {
        List<String> problems = new ArrayList<>();
        if (payload.length < 4) {
            problems.add("VERSION payload of " + payload.length + " bytes, shorter than major and minor");
            return new VersionReply(-1, -1, Caps.DEFAULTS, null, problems);
        }
        int major = Le.u16(payload, 0);
        int minor = Le.u16(payload, 2);
        if (payload.length == 4) {
            return new VersionReply(major, minor, Caps.DEFAULTS, null, problems);
        }
        if (payload[payload.length - 1] != 0) {
            problems.add("the capabilities JSON is not NUL-terminated");
            return new VersionReply(major, minor, Caps.DEFAULTS, null, problems);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload, 4, payload.length - 5))
                    .toString();
        } catch (CharacterCodingException e) {
            problems.add("the capabilities are not UTF-8");
            return new VersionReply(major, minor, Caps.DEFAULTS, null, problems);
        }
        if (text.indexOf('\0') >= 0) {
            problems.add("a NUL inside the capabilities JSON");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text.replace('\0', ' '));
        } catch (JsonProcessingException e) {
            problems.add("the capabilities are not valid JSON: " + e.getOriginalMessage());
            return new VersionReply(major, minor, Caps.DEFAULTS, null, problems);
        }
        if (root == null || !root.isObject()) {
            problems.add("the capabilities JSON is not an object");
            return new VersionReply(major, minor, Caps.DEFAULTS, null, problems);
        }
        JsonNode caps = root.get("capabilities");
        if (caps == null) {
            return new VersionReply(major, minor, Caps.DEFAULTS, null, problems);
        }
        if (!caps.isObject()) {
            problems.add("\"capabilities\" is not an object");
            return new VersionReply(major, minor, Caps.DEFAULTS, null, problems);
        }
        Caps parsed = new Caps(
                number(caps, "max_msg_fds", 1, 0, problems),
                number(caps, "max_data_xfer_size", 1 << 20, 1, problems),
                number(caps, "max_dma_maps", 65535, 1, problems),
                number(caps, "pgsizes", 4096, 1, problems),
                bool(caps, "write_multiple", problems));
        JsonNode twin = caps.get("twin_socket");
        if (twin != null && !twin.isObject()) {
            problems.add("twin_socket is not an object");
        }
        JsonNode migration = caps.get("migration");
        if (migration != null && !migration.isObject()) {
            problems.add("migration is not an object");
        }
        return new VersionReply(major, minor, parsed, caps, problems);
    }

    private static long number(JsonNode caps, String name, long absent, long min, List<String> problems) {
        JsonNode n = caps.get(name);
        if (n == null) {
            return absent;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < min || n.longValue() > 0xFFFF_FFFFL) {
            problems.add(name + " is " + n + ", not a number from " + min);
            return absent;
        }
        return n.longValue();
    }

    private static boolean bool(JsonNode caps, String name, List<String> problems) {
        JsonNode n = caps.get(name);
        if (n == null) {
            return false;
        }
        if (!n.isBoolean()) {
            problems.add(name + " is " + n + ", not a boolean");
            return false;
        }
        return n.booleanValue();
    }

    /**
     * What the reply's capabilities hold beyond the proposal (VU-3.2: "a subset of those
     * proposed"): names the specification does not define, pgsizes bits not proposed, write_multiple
     * or twin-socket mode the client did not offer.
     */
    List<String> notASubset(Caps proposed, boolean proposedTwinSocket) {
        List<String> extra = new ArrayList<>();
        if (capabilities == null) {
            return extra;
        }
        for (Iterator<String> it = capabilities.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!KNOWN.contains(name)) {
                extra.add("\"" + name + "\", which the specification does not define");
            }
        }
        if (capabilities.has("pgsizes") && (caps.pgsizes() & ~proposed.pgsizes()) != 0) {
            extra.add("pgsizes 0x" + Long.toHexString(caps.pgsizes()) + " where 0x"
                    + Long.toHexString(proposed.pgsizes()) + " was proposed");
        }
        if (caps.writeMultiple() && !proposed.writeMultiple()) {
            extra.add("write_multiple true, which the client did not offer");
        }
        JsonNode twin = capabilities.get("twin_socket");
        if (twin != null && twin.path("supported").asBoolean(false) && !proposedTwinSocket) {
            extra.add("twin_socket mode, which the client did not offer");
        }
        return extra;
    }
}
