package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.units.ByteSize;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** serve's options as the help describes them, read into device specs in process (nothing is served). */
class ServeSpecsTest {
    static List<DeviceSpec> specs(String... args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve)
                .registerConverter(Path.class, new Converters.FilePath())
                .parseArgs(args);
        return serve.specs(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"));
    }

    @Test
    @DisplayName("--mem-size 1.5G is taken, as the help's '1.5G to 64T' promises")
    void memSizeWithAFraction() {
        assertThat(specs("--mem-size", "1.5G").getFirst().memSize()).isEqualTo(1536L << 20);
        assertThat(ByteSize.parse("1.5G").bytes()).isEqualTo(1536L << 20);
        assertThat(ByteSize.parse("0.5k").bytes()).isEqualTo(512);
    }

    @Test
    @DisplayName("--ready-delay 1h works like 60m, the longest the simulated GPU allows")
    void readyDelayInHours() {
        assertThat(specs("--ready-delay", "1h").getFirst().readyDelay()).isEqualTo(Duration.ofMinutes(60));
        assertThat(Converters.parseDuration("1h")).isEqualTo(Converters.parseDuration("60m"));
    }

    @Test
    @DisplayName(
            "durations take microseconds (bench --halt-poll 200us), refuse what overflows or has no unit, and are printed exactly")
    void durationsInMicroseconds() {
        assertThat(Converters.parseDuration("200us")).isEqualTo(Duration.ofNanos(200_000));
        assertThat(Converters.parseDuration("1000us")).isEqualTo(Converters.parseDuration("1ms"));
        assertThat(Converters.parseDuration("0")).isZero();
        for (String exact : List.of("0", "200us", "1500ms", "90s", "61m", "2h", "3600000001us")) {
            assertThat(Converters.text(Converters.parseDuration(exact)))
                    .as(exact)
                    .isEqualTo(exact);
        }
        assertThat(Converters.text(Duration.ofMinutes(60))).isEqualTo("1h");
        for (String bad : List.of("200", "us", "-5us", "1.5us", "999999999999999999h", "5 us", "5ns")) {
            assertThatThrownBy(() -> Converters.parseDuration(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a duration");
        }
    }

    @Test
    @DisplayName("a socket path of 107 bytes is the longest AF_UNIX takes")
    void socketPathOf107Bytes() {
        String path = "/tmp/" + "s".repeat(102);
        assertThat(path).hasSize(ServeCommand.MAX_SOCKET_PATH_BYTES);
        assertThat(specs("--socket", path).getFirst().socket().toString()).isEqualTo(path);
    }
}
