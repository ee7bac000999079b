package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.server.RamServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code jvfio trace} run as a user runs it, between the Java client and a server in this JVM. */
@Timeout(180)
class TraceCommandTest {
    @Test
    @DisplayName(
            "TRACE-6 jvfio trace: bad --filter, one socket for both ends, a missing option are usage errors, exit 2")
    void trace6_usageErrors() {
        CliProcess.Result filter = CliProcess.run(
                "trace", "--listen", "/tmp/x.sock", "--connect", "/tmp/y.sock", "--filter", "REGION_REED");
        assertThat(filter.exitCode()).as(filter.toString()).isEqualTo(2);
        assertThat(filter.err()).contains("--filter: 'REGION_REED' is not a vfio-user command");
        CliProcess.Result same = CliProcess.run("trace", "--listen", "/tmp/x.sock", "--connect", "/tmp/../tmp/x.sock");
        assertThat(same.exitCode()).as(same.toString()).isEqualTo(2);
        assertThat(same.err()).contains("--listen and --connect are the same socket");
        CliProcess.Result missing = CliProcess.run("trace", "--listen", "/tmp/x.sock");
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(2);
        assertThat(missing.err()).contains("--connect");
    }

    @Test
    @DisplayName(
            "TRACE-1 TRACE-5 jvfio trace --json: a client through it works, stdout has a line per message, SIGTERM ends it with the JSON complete")
    void trace5_liveCommand() throws Exception {
        Path dir = TempDirs.create();
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Path json = dir.resolve("t.jsonl");
        try (RamServer ram = RamServer.start()) {
            Process p = CliProcess.builder(
                            null,
                            Map.of(),
                            "trace",
                            "--listen",
                            dir.resolve("p").toString(),
                            "--connect",
                            ram.socket().toString(),
                            "--json",
                            json.toString(),
                            "--filter=-DEVICE_GET_REGION_INFO")
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (!Files.readString(err).contains("jvfio trace: ready")) {
                    assertThat(p.isAlive()).as(Files.readString(err)).isTrue();
                    assertThat(System.nanoTime()).as("ready within 90 s").isLessThan(deadline);
                    Thread.sleep(20);
                }
                try (VfioUserClient c = VfioUserClient.connect(dir.resolve("p"))) {
                    assertThat(c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, 4)).containsExactly(0x34, 0x12, 0x78, 0x56);
                    assertThat(c.regionInfo(1).size()).isEqualTo(4096);
                }
                while (!Files.readString(out).contains("-- closed")) {
                    assertThat(System.nanoTime()).as("closed line within 90 s").isLessThan(deadline);
                    Thread.sleep(20);
                }
            } finally {
                p.destroy();
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
            String text = Files.readString(out);
            assertThat(text)
                    .containsPattern("C->S #\\d+ +VERSION +request +version=0.0 caps=")
                    .containsPattern("S->C #\\d+ +REGION_READ +reply +region=7 offset=0x0 count=4 data=34127856 rtt=")
                    .doesNotContain("DEVICE_GET_REGION_INFO");
            assertThat(Files.readString(json))
                    .contains("\"command\":\"DEVICE_GET_REGION_INFO\"")
                    .contains("\"event\":\"close\"");
            assertThat(Files.exists(dir.resolve("p")))
                    .as("the listening socket is removed on SIGTERM")
                    .isFalse();
        } finally {
            TempDirs.delete(dir);
        }
    }
}
