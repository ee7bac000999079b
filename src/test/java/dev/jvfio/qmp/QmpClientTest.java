package dev.jvfio.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The QMP client against a fake QEMU monitor. */
class QmpClientTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    Path dir;

    @BeforeEach
    void dir() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "qmp");
    }

    @AfterEach
    void clean() throws Exception {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    @Test
    @DisplayName(
            "connect negotiates capabilities; device_del sends the id; DEVICE_DELETED for that id is found among events")
    void deviceDelAndEvent() throws Exception {
        try (FakeQmp qemu = new FakeQmp(
                        dir.resolve("q"),
                        cmd -> List.of(FakeQmp.deviceDeleted("other"), FakeQmp.ok(), FakeQmp.deviceDeleted("gpu0")));
                QmpClient c = QmpClient.connect(dir.resolve("q"), WAIT)) {
            c.deviceDel("gpu0", WAIT);
            JsonNode e = c.awaitEvent(ev -> QmpClient.deviceDeleted(ev, "gpu0"), WAIT);
            assertThat(e.path("data").path("path").asText()).isEqualTo("/machine/peripheral/gpu0");
            assertThat(qemu.commands)
                    .extracting(j -> j.path("execute").asText())
                    .containsExactly("qmp_capabilities", "device_del");
            assertThat(qemu.commands.get(1).path("arguments").path("id").asText())
                    .isEqualTo("gpu0");
            assertThat(c.awaitEvent(ev -> true, Duration.ZERO))
                    .as("nothing left")
                    .isNull();
        }
    }

    @Test
    @DisplayName("an error reply is a QmpException with QEMU's class and description")
    void errorReply() throws Exception {
        try (FakeQmp qemu = new FakeQmp(
                        dir.resolve("q"),
                        cmd -> List.of(FakeQmp.error("GenericError", "Bus 'pcie.0' does not support hotplugging")));
                QmpClient c = QmpClient.connect(dir.resolve("q"), WAIT)) {
            assertThatThrownBy(() -> c.deviceDel("gpu0", WAIT)).isInstanceOfSatisfying(QmpException.class, e -> {
                assertThat(e.errorClass()).isEqualTo("GenericError");
                assertThat(e.getMessage()).contains("does not support hotplugging");
            });
        }
    }

    @Test
    @DisplayName("a peer that is not QMP (no greeting, garbage, an endless line) fails the connect instead of hanging")
    void notQmp() throws Exception {
        try (FakeQmp garbage = new FakeQmp(dir.resolve("g"), "this is not json", cmd -> List.of())) {
            assertThatThrownBy(() -> QmpClient.connect(dir.resolve("g"), WAIT)).isInstanceOf(QmpException.class);
        }
        try (FakeQmp other = new FakeQmp(dir.resolve("o"), "{\"hello\": 1}", cmd -> List.of())) {
            assertThatThrownBy(() -> QmpClient.connect(dir.resolve("o"), WAIT))
                    .hasMessageContaining("not a QMP greeting");
        }
        try (FakeQmp endless = new FakeQmp(dir.resolve("e"), "x".repeat(QmpClient.MAX_LINE + 10), cmd -> List.of())) {
            assertThatThrownBy(() -> QmpClient.connect(dir.resolve("e"), WAIT)).hasMessageContaining("longer than");
        }
        try (FakeQmp silent = new FakeQmp(dir.resolve("s"), "", cmd -> List.of())) {
            assertThatThrownBy(() -> QmpClient.connect(dir.resolve("s"), Duration.ofMillis(200)))
                    .hasMessageContaining("no answer");
        }
    }
}
