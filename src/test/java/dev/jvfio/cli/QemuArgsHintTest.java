package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The qemu-args command serve's ready line suggests is one qemu-args takes, for any number and kind of devices. */
class QemuArgsHintTest {
    static List<DeviceSpec> devices(int n, String profile) {
        return IntStream.range(0, n)
                .mapToObj(i -> new DeviceSpec(
                        "gpu" + i,
                        profile,
                        Path.of("/run/jvfio/gpu" + i + ".sock"),
                        null,
                        "ignore",
                        "bar",
                        Duration.ZERO,
                        null,
                        null))
                .toList();
    }

    /** Runs the suggested command in process; its exit code. */
    static int runSuggested(String hint) {
        String command = hint.substring(hint.indexOf("'jvfio ") + 7, hint.indexOf('\'', hint.indexOf("'jvfio ") + 1));
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args.toArray(String[]::new));
        assertThat(err.toString()).doesNotContain("jvfio qemu-args: ");
        return code;
    }

    @Test
    @DisplayName("one GPU: the qemu-args command with its socket and memory size, which qemu-args takes")
    void oneGpu() {
        String hint = QemuArgsHint.of(devices(1, "gh200"));
        assertThat(hint)
                .isEqualTo(
                        "for all the QEMU options run 'jvfio qemu-args --socket /run/jvfio/gpu0.sock --mem-size 96G'");
        assertThat(runSuggested(hint)).isZero();
    }

    @Test
    @DisplayName(
            "20 GPUs: the command for a VM with the first 15 (QEMU's NUMA node limit), which qemu-args takes, and why")
    void moreGpusThanOneVmTakes() {
        String hint = QemuArgsHint.of(devices(20, "gb200"));
        assertThat(hint)
                .contains("a VM with the first 15 GPUs")
                .contains("--socket /run/jvfio/gpu14.sock")
                .doesNotContain("gpu15.sock")
                .contains("--profile gb200")
                .contains("(QEMU takes at most 15 GPUs per VM");
        assertThat(runSuggested(hint)).isZero();
        assertThat(runSuggested(QemuArgsHint.of(devices(16, "gh200")))).isZero();
    }

    @Test
    @DisplayName(
            "the sample device: no qemu-args (it lays out GPUs and their NUMA nodes), its -device option and shared RAM")
    void sampleDevice() {
        String hint = QemuArgsHint.of(devices(2, "sample"));
        assertThat(hint)
                .doesNotContain("qemu-args")
                .doesNotContain("NUMA")
                .contains("-device option above")
                .contains("share=on");
    }
}
