package dev.jvfio.lspci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.H100Fixture;
import dev.jvfio.Seeds;
import dev.jvfio.pci.ExtendedCapability;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.pci.TestFunction;
import dev.jvfio.pci.VfioPciDevice;
import dev.jvfio.sample.SampleDevice;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares {@link ConfigDecoder} with pciutils' {@code lspci -n -F dump -vvv}. pciutils must be installed
 * (./mvnw installs it on CI); a missing lspci fails these tests.
 */
class LspciComparisonTest {
    @TempDir
    Path dir;

    /** Writes bytes in the "lspci -xxxx" format that "lspci -F" reads back. */
    static String hexDump(byte[] config) {
        StringBuilder sb = new StringBuilder("00:00.0 0000: 0000:0000\n");
        for (int i = 0; i < config.length; i += 16) {
            sb.append(String.format("%02x:", i));
            for (int j = 0; j < 16; j++) {
                sb.append(String.format(" %02x", config[i + j] & 0xFF));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    String lspci(byte[] config) throws Exception {
        Path dump = dir.resolve("dump");
        Files.writeString(dump, hexDump(config));
        Process p;
        try {
            p = new ProcessBuilder("lspci", "-n", "-F", dump.toString(), "-vvv")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new AssertionError("lspci (pciutils) is required for the decoder comparison", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("lspci exit code").isZero();
        return out;
    }

    /**
     * pciutils 3.9 reading a dump (-F) prints the upper dword of a 64-bit BAR as a region of its own
     * ("Region 1: Memory at <unassigned> (32-bit, non-prefetchable)") when that dword is non-zero; on a
     * live system it does not, and neither do we. Those lines are dropped; nothing else is normalized.
     */
    static List<String> normalizeLspci(String text, byte[] config) {
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n")));
        for (int i = 0; i < 5; i++) {
            int low = (config[0x10 + 4 * i] & 0xFF);
            if ((low & 0x7) == 0x4) {
                String upper = "\tRegion " + (i + 1) + ": ";
                lines.removeIf(s -> s.startsWith(upper));
                i++;
            }
        }
        lines.removeIf(String::isEmpty);
        return lines;
    }

    static List<String> lines(String text) {
        List<String> l = new ArrayList<>(Arrays.asList(text.split("\n")));
        l.removeIf(String::isEmpty);
        return l;
    }

    @Test
    @DisplayName("PCI-8.1 the decoder prints the H100 fixture exactly like lspci -vvv (header, BARs, every capability)")
    void pci_8_1_h100MatchesLspci() throws Exception {
        byte[] config = H100Fixture.configSpace();
        String ours = ConfigDecoder.decode("00:00.0", config, null, 0);
        assertThat(lines(ours)).containsExactlyElementsOf(normalizeLspci(lspci(config), config));
        assertThat(ours)
                .contains("Capabilities: [60] Express (v2) Endpoint, MSI 00")
                .contains("Capabilities: [b0] MSI-X: Enable+ Count=9 Masked-")
                .contains("Capabilities: [1b8 v2] Advanced Error Reporting");
    }

    @Test
    @DisplayName("PCI-8.1 the decoder matches lspci for functions built by our capability builders")
    void pci_8_1_builtFunctionsMatchLspci() throws Exception {
        try (VfioPciDevice d = TestFunction.builder()
                .extendedCapability(new ExtendedCapability.Raw(PciHeader.EXT_CAP_ID_ERR, 2, new byte[0x44]))
                .build()) {
            TestFunction.cfgWrite(d, 0x10, 4, 0xFE00_0000L);
            TestFunction.cfgWrite(d, 0x1C, 4, 0xC000);
            TestFunction.cfgWrite(d, PciHeader.COMMAND, 2, 7);
            byte[] config = d.config().bytes();
            String ours = ConfigDecoder.decode("00:00.0", config, null, 0);
            assertThat(lines(ours)).containsExactlyElementsOf(normalizeLspci(lspci(config), config));
        }
    }

    @Test
    @DisplayName("PCI-8.1 the decoder matches lspci for the sample device, at power-on and configured")
    void pci_8_1_sampleMatchesLspci() throws Exception {
        try (VfioPciDevice d = SampleDevice.create("sample")) {
            byte[] config = d.config().bytes();
            assertThat(lines(ConfigDecoder.decode("00:00.0", config, null, 0)))
                    .containsExactlyElementsOf(normalizeLspci(lspci(config), config));
            TestFunction.cfgWrite(d, 0x10, 8, 0x0000_0040_0000_0000L);
            TestFunction.cfgWrite(d, PciHeader.COMMAND, 2, 0x406);
            int msix = TestFunction.cap(d, PciHeader.CAP_ID_MSIX);
            TestFunction.cfgWrite(d, msix + 2, 2, 0xC000);
            config = d.config().bytes();
            assertThat(lines(ConfigDecoder.decode("00:00.0", config, null, 0)))
                    .containsExactlyElementsOf(normalizeLspci(lspci(config), config));
        }
    }

    @RepeatedTest(20)
    @DisplayName("PCI-8.1 the decoder matches lspci for random register values in the H100's capabilities")
    void pci_8_1_randomRegistersMatchLspci(RepetitionInfo rep) throws Exception {
        long seed = Seeds.of(0x15BC1L + rep.getCurrentRepetition());
        Random r = new Random(seed);
        byte[] config = H100Fixture.configSpace();
        // Registers whose every bit lspci decodes: command/status, BARs, PM control/status, MSI, PCIe
        // device/link (not the capability header), MSI-X control, AER, LTR, DSN.
        int[][] ranges = {
            {0x04, 4},
            {0x0C, 2},
            {0x10, 24},
            {0x3C, 1},
            {0x3E, 2},
            {0x42, 6},
            {0x4A, 22},
            {0x64, 0x10},
            {0x74, 0x02},
            {0x84, 0x10},
            {0xB2, 0x0A},
            {0x130, 0x04},
            {0x1BC, 0x2C},
            {0x2F4, 8}
        };
        for (int[] range : ranges) {
            for (int i = 0; i < range[1]; i++) {
                if (r.nextInt(3) == 0) {
                    config[range[0] + i] = (byte) r.nextInt(256);
                }
            }
        }
        String ours = ConfigDecoder.decode("00:00.0", config, null, 0);
        assertThat(lines(ours)).as("seed %d", seed).containsExactlyElementsOf(normalizeLspci(lspci(config), config));
    }
}
