package dev.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvfio.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@code jvfio bench} once with tiny durations (children are real JVMs). Checks only that it
 * runs, that every row is there and that every ratio is finite and positive: never timings.
 */
class BenchSmokeTest {
    static final List<String> ROWS = List.of(
            "trapped.config-read",
            "trapped.bar-write",
            "bulk.read.4KiB",
            "bulk.write.4KiB",
            "bulk.read.64KiB",
            "bulk.write.64KiB",
            "bulk.read.1MiB",
            "bulk.write.1MiB",
            "clients.config-read.2",
            "clients.config-read.4",
            "clients.gpu-config-read.4",
            "mapped.read",
            "mapped.write",
            "dma.round-trip.4KiB",
            "dma.to-device.1MiB",
            "dma.to-guest.1MiB",
            "dma.to-device.64MiB",
            "dma.to-guest.64MiB",
            "footprint.ready",
            "footprint.ready-unqueued",
            "footprint.ready-cpu",
            "footprint.rss-idle",
            "footprint.rss-touched",
            "proxy.config-read",
            "metrics.config-read",
            "migration.precopy",
            "migration.downtime",
            "migration.rss");

    @Test
    @Timeout(120)
    @DisplayName("bench runs with tiny durations: every row present, ratios finite and positive, JSON written")
    void benchRunsAndReportsEveryRow() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvbt");
        Path json = dir.resolve("bench.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = Main.run(
                    "bench",
                    "--duration",
                    "40ms",
                    "--warmup",
                    "10ms",
                    "--rounds",
                    "2",
                    "--launches",
                    "1",
                    "--mapped-window",
                    "4M",
                    "--touch",
                    "8M",
                    "--json",
                    json.toString(),
                    "--decide-budget",
                    "100ms",
                    "--child-java-option",
                    "-XX:TieredStopAtLevel=1",
                    "--child-java-option",
                    "-Xshare:auto");
        } finally {
            System.setOut(saved);
        }
        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(table).isZero();
        assertThat(table).contains("config read 4 B", "read 1MiB", "BAR4 write", "launch to socket ready");
        assertThat(table).doesNotContain("met (");

        JsonNode report = new ObjectMapper().readTree(json.toFile());
        List<String> ids = new ArrayList<>();
        for (JsonNode row : report.get("rows")) {
            ids.add(row.get("id").asText());
            for (String field : List.of("ratio", "ratioBest")) {
                JsonNode v = row.get(field);
                assertThat(v.isNumber())
                        .as(row.get("id") + " " + field + " = " + v)
                        .isTrue();
                assertThat(v.asDouble())
                        .as(row.get("id") + " " + field)
                        .isPositive()
                        .isFinite();
            }
            assertThat(row.get("subject").get("rounds").size())
                    .as(row.get("id").asText())
                    .isPositive();
            assertThat(row.get("spread").get("pairs").asInt())
                    .as(row.get("id") + " spread")
                    .isPositive();
            assertThat(row.get("rounds").get("used").asInt())
                    .as(row.get("id") + " rounds")
                    .isPositive();
            JsonNode target = row.get("target");
            if (target != null && !target.isNull()) {
                assertThat(target.get("verdict").asText())
                        .as(row.get("id") + " verdict")
                        .isIn("met", "MISSED", "undecided");
                assertThat(target.get("met").asBoolean())
                        .isEqualTo(target.get("verdict").asText().equals("met"));
            }
        }
        assertThat(ids).containsExactlyInAnyOrderElementsOf(ROWS);
        assertThat(report.get("machine").get("cpus").asInt()).isPositive();
        Files.deleteIfExists(json);
        Files.deleteIfExists(dir);
    }
}
