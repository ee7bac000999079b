package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code jvfio serve} with bad arguments or a bad config file, run as a child process: a clear
 * message on stderr that names the problem, exit code 2, and nothing created (no socket directory,
 * no socket, no backing file).
 */
class ServeArgumentsTest {
    Path dir;

    @BeforeEach
    void makeDir() throws IOException {
        dir = TempDirs.create();
    }

    @AfterEach
    void removeDir() throws IOException {
        TempDirs.delete(dir);
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of("{\"devices\": [ {\"profile\": \"gh200\",} ]}", List.of("not valid JSON", "line 1")),
                Arguments.of("{\"devices\": [", List.of("not valid JSON")),
                Arguments.of("", List.of("empty")),
                Arguments.of("[]", List.of("top level must be an object")),
                Arguments.of("{\"gpus\": 2}", List.of("gpus: unknown field", "allowed fields: devices")),
                Arguments.of("{\"devices\": []}", List.of("devices: must be a non-empty list")),
                Arguments.of(
                        "{\"devices\": [{\"profile\": \"h100\"}]}",
                        List.of(
                                "devices[0].profile",
                                "\"h100\"",
                                "allowed values: gh200, gh200-480gb",
                                "gb200, gb300, sample")),
                Arguments.of(
                        "{\"devices\": [{}, {\"layout\": \"bars\"}]}",
                        List.of("devices[1].layout", "allowed values: bar, region")),
                Arguments.of(
                        "{\"devices\": [{\"memory-enable\": true}]}",
                        List.of("devices[0].memory-enable", "allowed values: ignore, hardware, strict")),
                Arguments.of(
                        "{\"devices\": [{\"mem_size\": \"96G\"}]}",
                        List.of("devices[0].mem_size: unknown field", "mem-size")),
                Arguments.of("{\"devices\": [{\"mem-size\": \"lots\"}]}", List.of("devices[0].mem-size", "96G")),
                Arguments.of("{\"devices\": [{\"ready-delay\": \"soon\"}]}", List.of("devices[0].ready-delay", "2s")),
                Arguments.of(
                        "{\"devices\": [{\"ready-delay\": \"61m\"}]}",
                        List.of("devices[0].ready-delay", "allowed: 0 to 60m")),
                Arguments.of("{\"devices\": [{\"qmp\": 7}]}", List.of("devices[0].qmp: must be a non-empty string")),
                Arguments.of(
                        "{\"devices\": [{\"profile\": \"gb200\", \"mem-size\": 100}]}",
                        List.of(
                                "devices[0].mem-size: gb200 device memory of 100 bytes is too small",
                                "allowed: 512 MiB to 64 TiB in multiples of 64 KiB")),
                Arguments.of(
                        "{\"devices\": [{\"mem-size\": \"1G\"}]}",
                        List.of(
                                "devices[0].mem-size: gh200 device memory of 1 GiB is too small",
                                "allowed: 1.5 GiB to 64 TiB")),
                Arguments.of(
                        "{\"devices\": [{\"mem-size\": \"2097156K\"}]}",
                        List.of("devices[0].mem-size", "not a multiple of 64 KiB")),
                Arguments.of(
                        "{\"devices\": [{\"mem-size\": 99999999999999999999999}]}",
                        List.of("devices[0].mem-size", "not a positive size")),
                Arguments.of(
                        "{\"devices\": [{\"profile\": \"sample\", \"mem-size\": \"2G\"}]}",
                        List.of("devices[0].mem-size", "sample profile has no device memory")),
                Arguments.of(
                        "{\"devices\": [{\"profile\": \"sample\", \"backing-file\": \"m\"}]}",
                        List.of("devices[0].backing-file: the sample profile has no device memory to keep in a file")),
                Arguments.of(
                        "{\"devices\": [{}, {\"backing-file\": \"m\"}, {\"backing-file\": \"./m\"}]}",
                        List.of("gpu1 and gpu2 use the same backing file")),
                Arguments.of(
                        "{\"devices\": [{\"mem-size\": \"40T\"}, {\"mem-size\": \"40T\"}]}",
                        List.of("80 TiB of device memory", "up to 64 TiB per server")),
                Arguments.of(
                        "{\"devices\": [{\"socket\": \"a.sock\"}, {\"socket\": \"a.sock\"}]}", List.of("same socket")),
                Arguments.of(
                        "{\"devices\": [{\"profile\": \"gh200\", \"profile\": \"gb200\"}]}",
                        List.of("not valid JSON", "profile")),
                Arguments.of(
                        "{\"devices\": [{}]} {\"devices\": [{}]}",
                        List.of("more after the JSON object at line 1", "one object")),
                Arguments.of("{\"devices\": [{}]}\n]", List.of("line 2")),
                Arguments.of(
                        "{\"devices\": [{\"socket\": \"a\\u0000b.sock\"}]}",
                        List.of("devices[0].socket: not a usable path (it holds a NUL character)")),
                Arguments.of(
                        "{\"devices\": [{\"backing-file\": \"m\\u0000\"}]}",
                        List.of("devices[0].backing-file: not a usable path (it holds a NUL character)")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badConfigs")
    @DisplayName("serve --config with bad JSON or bad fields: clear message, exit 2, nothing created")
    void badConfigExitsTwoAndCreatesNothing(String json, List<String> expected) throws IOException {
        Path file = dir.resolve("devices.json");
        Files.writeString(file, json);
        CliProcess.Result r =
                CliProcess.run(dir, Map.of("XDG_RUNTIME_DIR", dir.toString()), "serve", "--config", file.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .as(r.toString())
                .startsWith("jvfio serve: config " + file)
                .doesNotContain("Exception");
        for (String e : expected) assertThat(r.err()).as(r.toString()).contains(e);
        assertNothingCreated(file);
    }

    static Stream<Arguments> badArguments() {
        return Stream.of(
                Arguments.of(
                        List.of("--backing-file", "mem", "--profile", "h100"),
                        List.of("--profile", "allowed values: gh200, gh200-480gb", "gb200, gb300, sample")),
                Arguments.of(
                        List.of("--memory-enable", "maybe"),
                        List.of("--memory-enable", "allowed values: ignore, hardware, strict")),
                Arguments.of(
                        List.of("--layout", "flat", "--backing-file", "mem"),
                        List.of("--layout", "allowed values: bar, region")),
                Arguments.of(List.of("--mem-size", "big"), List.of("--mem-size", "96G")),
                Arguments.of(List.of("--ready-delay", "later"), List.of("--ready-delay", "2s")),
                Arguments.of(List.of("--ready-delay", "61m"), List.of("--ready-delay: 61m", "allowed: 0 to 60m")),
                Arguments.of(
                        List.of("--gpus", "3", "--qmp", "a", "--qmp", "b"),
                        List.of("3 devices need one --qmp for all or 3 (one per device), got 2")),
                Arguments.of(List.of("--detach-timeout", "61m"), List.of("--detach-timeout", "allowed: 0 to 60m")),
                Arguments.of(List.of("--detach-timeout", "soon"), List.of("--detach-timeout", "2s")),
                Arguments.of(
                        List.of("--profile", "gb200", "--mem-size", "100"),
                        List.of(
                                "--mem-size: gb200 device memory of 100 bytes is too small",
                                "allowed: 512 MiB to 64 TiB in multiples of 64 KiB")),
                Arguments.of(
                        List.of("--mem-size", "1G"), List.of("--mem-size", "too small", "allowed: 1.5 GiB to 64 TiB")),
                Arguments.of(List.of("--mem-size", "0"), List.of("--mem-size", "too small", "allowed: 1.5 GiB")),
                Arguments.of(List.of("--mem-size", "2097156K"), List.of("--mem-size", "not a multiple of 64 KiB")),
                Arguments.of(
                        List.of("--profile", "gb300", "--mem-size", "65T"),
                        List.of("--mem-size", "too large", "64 TiB")),
                Arguments.of(
                        List.of("--profile", "sample", "--mem-size", "2G"),
                        List.of("sample profile has no device memory")),
                Arguments.of(
                        List.of("--profile", "sample", "--backing-file", "mem"),
                        List.of("--backing-file: the sample profile has no device memory to keep in a file")),
                Arguments.of(
                        List.of("--profile", "sample", "--backing-file", "mem", "--prefault"),
                        List.of("--backing-file: the sample profile has no device memory to keep in a file")),
                Arguments.of(
                        List.of("--config", "devices.json", "--mem-size", "1G"),
                        List.of("--mem-size: gh200 device memory of 1 GiB is too small", "devices[0]")),
                Arguments.of(List.of("--gpus", "257"), List.of("--gpus 257 is too many", "allowed: 1 to 256")),
                Arguments.of(
                        List.of("--gpus", "2", "--mem-size", "33T"),
                        List.of("66 TiB of device memory", "up to 64 TiB")),
                Arguments.of(List.of("--gpus", "0"), List.of("--gpus must be at least 1")),
                Arguments.of(List.of("--gpus", "2", "--socket", "jv-x.sock"), List.of("2 --socket options")),
                Arguments.of(List.of("--gpus", "2", "--backing-file", "mem0"), List.of("2 --backing-file options")),
                Arguments.of(List.of("--socket", "jv-y.sock", "--socket", "jv-y.sock"), List.of("same socket")),
                Arguments.of(
                        List.of("--config", "devices.json", "--gpus", "2"), List.of("--config describes the devices")),
                Arguments.of(List.of("--config", "missing.json"), List.of("missing.json: no such file")),
                Arguments.of(List.of("--socket", "/tmp/" + "s".repeat(120)), List.of("too long for AF_UNIX")),
                Arguments.of(
                        List.of("--socket", "/tmp/" + "s".repeat(103)),
                        List.of("too long for AF_UNIX (107 bytes at most)")),
                Arguments.of(List.of("--prefault"), List.of("--prefault works on backing files")),
                Arguments.of(List.of("--frobnicate"), List.of("Unknown option: '--frobnicate'")),
                Arguments.of(
                        List.of("--socket-group", "no-such-group-jv"),
                        List.of("--socket-group: no group named 'no-such-group-jv'")),
                Arguments.of(List.of("--allow-uid", "qemu"), List.of("--allow-uid", "qemu")),
                Arguments.of(List.of("--gpus"), List.of("Missing required parameter")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badArguments")
    @DisplayName("serve with bad arguments: clear message, exit 2, nothing created")
    void badArgumentsExitTwoAndCreateNothing(List<String> args, List<String> expected) throws IOException {
        Files.writeString(dir.resolve("devices.json"), "{\"devices\": [{}]}");
        List<String> argv = new ArrayList<>(List.of("serve"));
        argv.addAll(args);
        CliProcess.Result r =
                CliProcess.run(dir, Map.of("XDG_RUNTIME_DIR", dir.toString()), argv.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).as(r.toString()).startsWith("jvfio serve: ").doesNotContain("Exception");
        for (String e : expected) assertThat(r.err()).as(r.toString()).contains(e);
        assertThat(r.out()).isEmpty();
        assertNothingCreated(dir.resolve("devices.json"));
    }

    private void assertNothingCreated(Path keep) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(p -> !p.equals(keep)).toList())
                    .as("files created in " + dir)
                    .isEmpty();
        }
    }
}
