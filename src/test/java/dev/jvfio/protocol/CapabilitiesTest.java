package dev.jvfio.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CapabilitiesTest {
    private static final String QEMU = "{\"capabilities\": {\"pgsizes\": 4096, \"max_msg_fds\": 16, "
            + "\"max_dma_maps\": 65535, \"max_data_xfer_size\": 1048576, \"migration\": "
            + "{\"max_bitmap_size\": 268435456, \"pgsize\": 4096}, \"write_multiple\": true}}";

    @Test
    @DisplayName("VU-8.1 QEMU 10.2's proposal parses with every capability")
    void vu_8_1_qemu_proposal() throws Exception {
        Capabilities c = Capabilities.parse(QEMU.getBytes(StandardCharsets.UTF_8));
        assertThat(c).isEqualTo(new Capabilities(16, 1 << 20, 65535, 4096, true, true));
    }

    @Test
    @DisplayName("VU-3.3 absent capabilities take the spec defaults")
    void vu_3_3_defaults() throws Exception {
        assertThat(Capabilities.parse("{}".getBytes())).isEqualTo(Capabilities.DEFAULTS);
        assertThat(Capabilities.parse(new byte[0])).isEqualTo(Capabilities.DEFAULTS);
        assertThat(Capabilities.DEFAULTS.maxMsgFds()).isEqualTo(1);
        assertThat(Capabilities.DEFAULTS.maxDataXferSize()).isEqualTo(1 << 20);
    }

    @Test
    @DisplayName("VU-3.3 unknown keys are ignored")
    void vu_3_3_unknown_keys_ignored() throws Exception {
        Capabilities c = Capabilities.parse(
                "{\"capabilities\":{\"max_msg_fds\":4,\"frobnicate\":[1,2,{}]},\"other\":\"x\"}".getBytes());
        assertThat(c.maxMsgFds()).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"capabilities\":{\"max_msg_fds\":\"16\"}}",
                "{\"capabilities\":{\"max_msg_fds\":-1}}",
                "{\"capabilities\":{\"max_msg_fds\":1.5}}",
                "{\"capabilities\":{\"max_data_xfer_size\":99999999999999}}",
                "{\"capabilities\":{\"write_multiple\":1}}",
                "{\"capabilities\":{\"migration\":3}}",
                "{\"capabilities\":{\"pgsizes\":0}}",
                "{\"capabilities\":[]}",
                "[]",
                "{\"capabilities\":",
                "not json",
                "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
            })
    @DisplayName("VU-3.3 wrong types, ranges, malformed or too deep JSON are EINVAL")
    void vu_3_3_wrong_types_einval(String json) {
        assertThatThrownBy(() -> Capabilities.parse(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        Capabilities.Invalid.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    @DisplayName("VU-3.3 oversized capability JSON is E2BIG")
    void vu_3_3_oversized() {
        byte[] big = ("{\"capabilities\":{\"x\":\"" + "a".repeat(5000) + "\"}}").getBytes();
        assertThatThrownBy(() -> Capabilities.parse(big))
                .isInstanceOfSatisfying(
                        Capabilities.Invalid.class, e -> assertThat(e.errno()).isEqualTo(Errno.E2BIG));
    }

    @Test
    @DisplayName("VU-3.1 encoded capabilities round-trip through VERSION with a terminating NUL")
    void vu_3_1_roundtrip() {
        Capabilities mine = new Capabilities(16, 1 << 20, 65535, 4096, true, false);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1024);
            int size = VersionMessage.encode(buf, 7, true, 0, 0, mine);
            assertThat(buf.get(ValueLayout.JAVA_BYTE, size - 1)).isZero();
            VersionMessage v = new VersionMessage();
            assertThat(v.wrap(buf.asSlice(0, size))).isZero();
            assertThat(v.capabilities()).isEqualTo(mine);
            assertThat(Header.id(buf)).isEqualTo(7);
            assertThat(Header.isReply(buf)).isTrue();
        }
    }
}
