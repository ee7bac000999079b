package dev.jvfio.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvfio.device.Errno;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * {@link Capabilities#parse} moved from Jackson's tree model to its streaming parser (startup
 * time); this checks it against the tree model it replaced, used here as the oracle, on seeded
 * random capability JSON around every rule: same result, or EINVAL/E2BIG in both.
 */
class CapabilitiesStreamingTest {
    private static final ObjectMapper TREE = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(8)
                    .maxNumberLength(24)
                    .maxStringLength(Capabilities.MAX_JSON_BYTES)
                    .maxNameLength(256)
                    .maxDocumentLength(Capabilities.MAX_JSON_BYTES)
                    .build())
            .build());

    private static final List<String> KEYS = List.of(
            "max_msg_fds",
            "max_data_xfer_size",
            "max_dma_maps",
            "pgsizes",
            "write_multiple",
            "migration",
            "twin_socket",
            "other",
            "capabilities");
    private static final List<String> VALUES = List.of(
            "0",
            "1",
            "16",
            "4096",
            "65535",
            "4294967295",
            "4294967296",
            "-1",
            "1.5",
            "1e3",
            "99999999999999999999",
            "123456789012345678901234567",
            "true",
            "false",
            "null",
            "\"16\"",
            "{}",
            "{\"pgsize\":4096}",
            "[]",
            "[1,{}]",
            "[[[[[[[[[]]]]]]]]]");

    /** The old implementation, kept as the oracle: a result, or the errno as a negative number. */
    private static Object oracle(byte[] json) {
        if (json.length == 0) {
            return Capabilities.DEFAULTS;
        }
        if (json.length > Capabilities.MAX_JSON_BYTES) {
            return -Errno.E2BIG;
        }
        JsonNode root;
        try {
            root = TREE.readTree(json);
        } catch (Exception e) {
            return -Errno.EINVAL;
        }
        if (root == null || !root.isObject()) {
            return -Errno.EINVAL;
        }
        JsonNode caps = root.get("capabilities");
        if (caps == null) {
            return Capabilities.DEFAULTS;
        }
        if (!caps.isObject()) {
            return -Errno.EINVAL;
        }
        long[] n = new long[4];
        long[] dflt = {1, 1 << 20, 65535, 4096};
        String[] keys = {"max_msg_fds", "max_data_xfer_size", "max_dma_maps", "pgsizes"};
        for (int i = 0; i < 4; i++) {
            JsonNode v = caps.get(keys[i]);
            if (v == null) {
                n[i] = dflt[i];
            } else if (!v.isIntegralNumber()
                    || !v.canConvertToLong()
                    || v.longValue() < 0
                    || v.longValue() > 0xFFFF_FFFFL) {
                return -Errno.EINVAL;
            } else {
                n[i] = v.longValue();
            }
        }
        if (n[3] == 0) {
            return -Errno.EINVAL;
        }
        JsonNode m = caps.get("write_multiple");
        if (m != null && !m.isBoolean()) {
            return -Errno.EINVAL;
        }
        JsonNode mig = caps.get("migration");
        JsonNode twin = caps.get("twin_socket");
        if ((mig != null && !mig.isObject()) || (twin != null && !twin.isObject())) {
            return -Errno.EINVAL;
        }
        return new Capabilities(n[0], n[1], n[2], n[3], m != null && m.booleanValue(), mig != null);
    }

    private static Object streaming(byte[] json) {
        try {
            return Capabilities.parse(json);
        } catch (Capabilities.Invalid e) {
            return -e.errno();
        }
    }

    private static String randomDocument(Random r) {
        StringBuilder caps = new StringBuilder("{");
        int members = r.nextInt(6);
        for (int i = 0; i < members; i++) {
            if (i > 0) caps.append(',');
            caps.append('"')
                    .append(KEYS.get(r.nextInt(KEYS.size())))
                    .append("\":")
                    .append(VALUES.get(r.nextInt(VALUES.size())));
        }
        caps.append('}');
        String capsValue = r.nextInt(8) == 0 ? VALUES.get(r.nextInt(VALUES.size())) : caps.toString();
        String doc = switch (r.nextInt(6)) {
            case 0 -> "{\"capabilities\":" + capsValue + "}";
            case 1 -> "{\"other\":[1,2],\"capabilities\":" + capsValue + ",\"x\":{}}";
            case 2 -> "{\"capabilities\":" + capsValue + ",\"capabilities\":" + caps + "}";
            case 3 -> " {\"capabilities\":" + capsValue + "} trailing";
            case 4 -> VALUES.get(r.nextInt(VALUES.size()));
            default -> "{\"a\":" + VALUES.get(r.nextInt(VALUES.size())) + "}";
        };
        if (r.nextInt(10) == 0 && doc.length() > 1) {
            doc = doc.substring(0, r.nextInt(doc.length())); // truncated
        }
        return doc;
    }

    @RepeatedTest(20)
    @DisplayName("VU-3.3 streaming capabilities parser agrees with the tree model on random JSON")
    void vu_3_3_streaming_parser_matches_the_tree_model(RepetitionInfo info) {
        long seed = 0x5eed_0000L + info.getCurrentRepetition();
        Random r = new Random(seed);
        for (int i = 0; i < 500; i++) {
            String doc = randomDocument(r);
            byte[] json = doc.getBytes(StandardCharsets.UTF_8);
            assertThat(streaming(json)).as("seed %d, JSON %s", seed, doc).isEqualTo(oracle(json));
        }
    }

    @Test
    @DisplayName("VU-3.3 the encoded capabilities are compact JSON in the old key order")
    void vu_3_3_encoding() {
        assertThat(new String(new Capabilities(16, 1 << 20, 8191, 4096, true, false).toJson(), StandardCharsets.UTF_8))
                .isEqualTo("{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,\"pgsizes\":4096,"
                        + "\"max_dma_maps\":8191,\"write_multiple\":true}}");
        assertThat(new String(Capabilities.DEFAULTS.toJson(), StandardCharsets.UTF_8))
                .doesNotContain("write_multiple");
    }
}
