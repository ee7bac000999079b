package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.PageSize;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code jvfio lspci} against a live {@code jvfio serve}, both as child processes; pciutils'
 * {@code lspci -F} must accept the {@code -xxxx} output and decode the ids and BARs the device has.
 */
class LspciLiveTest {
    Path dir;

    @BeforeEach
    void makeDir() throws IOException {
        dir = TempDirs.create();
    }

    @AfterEach
    void removeDir() throws IOException {
        TempDirs.delete(dir);
    }

    static byte[] le32(long v) {
        return ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) v)
                .array();
    }

    @Test
    @DisplayName(
            "NV-3.3 lspci -F reads jvfio lspci -xxxx from a live gh200: same ids and BARs (BAR2/BAR4 64-bit prefetchable)")
    void nv_3_3_pciutilsDecodesLiveDump() throws Exception {
        Path socket = dir.resolve("gpu0.sock");
        try (ServeProcess serve = new ServeProcess(dir, Map.of(), "--socket", socket.toString(), "--mem-size", "8G")) {
            serve.awaitReady();
            // program the BARs as a VMM would. NV-3.2: the emulated BAR2/BAR4 shadows are zeroed when a
            // client opens the device, so only BAR0 (a core BAR) keeps its address for the next client
            try (VfioUserClient client = VfioUserClient.connect(socket)) {
                int cfg = Vfio.PCI_CONFIG_REGION_INDEX;
                client.write(cfg, 0x10, le32(0xfd000000L));
                client.write(cfg, 0x14, le32(0));
                client.write(cfg, 0x18, le32(0));
                client.write(cfg, 0x1c, le32(0x100)); // BAR2 at 0x100_0000_0000
                client.write(cfg, 0x20, le32(0));
                client.write(cfg, 0x24, le32(0x200)); // BAR4 at 0x200_0000_0000
            }
            CliProcess.Result r =
                    CliProcess.run(dir, Map.of(), "lspci", "--socket", socket.toString(), "-vvv", "-xxxx");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out().lines()).allSatisfy(l -> assertThat(l.length()).isLessThan(255));
            assertThat(r.out())
                    .contains("vfio-user view of " + socket)
                    .contains("Region 4 (BAR4): size 8 GiB (0x200000000), flags READ|WRITE|MMAP|CAPS (0xf)")
                    .contains("mmap area [0x0-")
                    // VU-3.3: the server announces the host's page size (16/64 KiB on arm64 hosts)
                    .contains("Server: pgsizes 0x"
                            + Long.toHexString(PageSize.system().bytes()) + ",");
            Path dump = Files.writeString(dir.resolve("dump.txt"), r.out());

            String ids = LspciDumpFormatTest.pciutils(dump, "-n");
            assertThat(ids).startsWith("00:00.0 0302: 10de:2342 (rev ");
            String verbose = LspciDumpFormatTest.pciutils(dump, "-vv");
            assertThat(verbose)
                    .contains("Region 0: Memory at fd000000 (64-bit, non-prefetchable)")
                    .contains("Region 2: Memory at <unassigned> (64-bit, prefetchable)")
                    .contains("Region 4: Memory at <unassigned> (64-bit, prefetchable)");

            // the same ids and BARs as the config bytes in our own dump say
            Matcher m = Pattern.compile("(?m)^10: (.*)$").matcher(r.out());
            assertThat(m.find()).isTrue();
            assertThat(m.group(1)).isEqualTo("04 00 00 fd 00 00 00 00 0c 00 00 00 00 00 00 00");
            assertThat(r.out()).containsPattern("(?m)^20: 0c 00 00 00 00 00 00 00 ");
            // our own decode says the same (with the sizes only the vfio-user view knows)
            assertThat(r.out())
                    .containsPattern("Region 0: Memory at fd000000 \\(64-bit, non-prefetchable\\).*\\[size=16M\\]")
                    .containsPattern("Region 4: Memory at <unassigned> \\(64-bit, prefetchable\\).*\\[size=8G\\]");
            assertThat(r.out()).contains("00: de 10 42 23");
            // all 4096 bytes: the last line is there and pciutils round-trips it
            assertThat(r.out()).containsPattern("(?m)^ff0:( [0-9a-f]{2}){16}$");
            String back = LspciDumpFormatTest.pciutils(dump, "-xxxx");
            assertThat(back)
                    .contains(r.out()
                            .lines()
                            .filter(l -> l.startsWith("ff0:"))
                            .findFirst()
                            .orElseThrow());
            assertThat(serve.terminate()).isIn(0, 143);
        }
    }

    @Test
    @DisplayName("lspci on a socket nobody serves: clear message, exit 1")
    void noServer() {
        CliProcess.Result r = CliProcess.run(
                dir, Map.of(), "lspci", "--socket", dir.resolve("none.sock").toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("none.sock: no such socket").doesNotContain("Exception");
    }

    @Test
    @DisplayName("lspci without --socket: usage error, exit 2")
    void missingSocket() {
        CliProcess.Result r = CliProcess.run("lspci", "-v");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required option: '--socket=PATH'");
    }
}
