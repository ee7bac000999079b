package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.TempDirs;
import dev.jvfio.client.VfioUserClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code jvfio peek}: the host's view of device memory, used by the guest suite to check what a guest wrote. */
class PeekCommandTest {
    Path dir;

    @BeforeEach
    void makeDir() throws IOException {
        dir = TempDirs.create();
    }

    @AfterEach
    void removeDir() throws IOException {
        TempDirs.delete(dir);
    }

    @Test
    @DisplayName("offsets are decimal, 0x hex or sizes; anything else is a usage error")
    void offsets() {
        assertThat(PeekCommand.parseOffset("4096")).isEqualTo(4096);
        assertThat(PeekCommand.parseOffset("0xC0000000")).isEqualTo(0xC000_0000L);
        assertThat(PeekCommand.parseOffset("3G")).isEqualTo(3L << 30);
        assertThatThrownBy(() -> PeekCommand.parseOffset("twelve")).isInstanceOf(UsageError.class);
    }

    @Test
    @DisplayName("the hex dump shows absolute offsets, 16 bytes a line")
    void dump() {
        byte[] b = new byte[18];
        b[0] = 0x12;
        b[17] = (byte) 0xff;
        assertThat(PeekCommand.dump(0x1000, b))
                .isEqualTo("000000001000: 12 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n000000001010: 00 ff\n");
    }

    @Test
    @DisplayName(
            "NV-4.2 a live gh200: --sha256 and --out give the bytes a client wrote into BAR4; a range past the region is refused")
    void liveReadBack() throws Exception {
        Path socket = dir.resolve("gpu0.sock");
        byte[] data = new byte[3 * 4096 + 100];
        new Random(42).nextBytes(data);
        try (ServeProcess serve = new ServeProcess(dir, Map.of(), "--socket", socket.toString(), "--mem-size", "2G")) {
            serve.awaitReady();
            try (VfioUserClient client = VfioUserClient.connect(socket)) {
                client.write(4, 0x10000, data);
            }
            String sha = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(data));
            CliProcess.Result r = CliProcess.run(
                    dir,
                    Map.of(),
                    "peek",
                    "--socket",
                    socket.toString(),
                    "--region",
                    "4",
                    "--offset",
                    "0x10000",
                    "--count",
                    String.valueOf(data.length),
                    "--sha256");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out().strip()).isEqualTo(sha);

            Path out = dir.resolve("bytes");
            r = CliProcess.run(
                    dir,
                    Map.of(),
                    "peek",
                    "--socket",
                    socket.toString(),
                    "--region",
                    "4",
                    "--offset",
                    "65536",
                    "--count",
                    "0x" + Integer.toHexString(data.length),
                    "--out",
                    out.toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(Files.readAllBytes(out)).isEqualTo(data);

            r = CliProcess.run(
                    dir,
                    Map.of(),
                    "peek",
                    "--socket",
                    socket.toString(),
                    "--region",
                    "4",
                    "--offset",
                    "2G",
                    "--count",
                    "16");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("past the end of region 4");
        }
    }

    @Test
    @DisplayName(
            "peek --region 9 to 99 on a device with fewer regions, --sha256 with --out: one sentence, exit 2, FILE untouched")
    void regionsPastTheDeviceAndShaWithOut() throws Exception {
        Path socket = dir.resolve("s.sock");
        Path keep = Files.writeString(dir.resolve("keep"), "existing content");
        try (ServeProcess serve =
                new ServeProcess(dir, Map.of(), "--socket", socket.toString(), "--profile", "sample")) {
            serve.awaitReady();
            for (String region : new String[] {"9", "42", "99"}) {
                CliProcess.Result r =
                        CliProcess.run(dir, Map.of(), "peek", "--socket", socket.toString(), "--region", region);
                assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
                assertThat(r.err())
                        .as(r.toString())
                        .startsWith("jvfio peek: --region " + region + ": this device has regions 0 to ")
                        .doesNotContain("Exception")
                        .doesNotContain("internal error");
            }
            CliProcess.Result r = CliProcess.run(
                    dir,
                    Map.of(),
                    "peek",
                    "--socket",
                    socket.toString(),
                    "--region",
                    "0",
                    "--sha256",
                    "--out",
                    keep.toString());
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("--sha256 and --out exclude each other");
            assertThat(Files.readString(keep)).isEqualTo("existing content");
            r = CliProcess.run(
                    dir,
                    Map.of(),
                    "peek",
                    "--socket",
                    socket.toString(),
                    "--region",
                    "7",
                    "--count",
                    "16",
                    "--out",
                    keep.toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(Files.size(keep)).isEqualTo(16);
            try (var files = Files.list(dir)) {
                assertThat(files.map(f -> f.getFileName().toString())
                                .filter(n -> n.endsWith(".tmp"))
                                .toList())
                        .as("no temporary file left")
                        .isEmpty();
            }
        }
    }
}
