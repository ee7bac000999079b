package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Feeds {@code jvfio qemu-args} to a real QEMU when one is installed (qemu-system-x86_64 for q35,
 * qemu-system-aarch64 for virt, on PATH; skipped otherwise): the machine must come up (stopped, TCG)
 * with every option accepted, all NUMA nodes present and no warning on stderr. The
 * vfio-user-pci device needs a live server, so a plain PCI device with the same id, bus and addr
 * stands in for it; acpi-generic-initiator objects are kept when this QEMU knows them (9.0+).
 *
 * <p>Opt-in ({@code -Djvfio.qemu.test=true} or {@code JVFIO_QEMU_TEST=1}): otherwise whether it runs and
 * what it sees would depend on the machine's QEMU install, and a TCG QEMU per case is heavy for CI.
 */
class QemuLaunchTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static boolean enabled() {
        return Boolean.getBoolean("jvfio.qemu.test") || "1".equals(System.getenv("JVFIO_QEMU_TEST"));
    }

    static Path qemu(String binary) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, binary);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    static String run(List<String> cmd, String stdin) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<String> out = CliProcess.drain(p.getInputStream());
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("QEMU did not finish: " + cmd);
        }
        String text = out.join();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + text).isZero();
        return text;
    }

    @ParameterizedTest(name = "{0} GPU(s), {1}, {2}")
    @CsvSource({"1, flat, q35", "2, flat, q35", "4, flat, q35", "2, grace, q35", "1, flat, virt", "2, grace, virt"})
    @DisplayName("NV-8.2 NV-8.4 a real QEMU accepts qemu-args' options, creates every NUMA node and does not warn")
    void nv_8_2_qemuAcceptsTheOptions(int gpus, String topology, String machine) throws Exception {
        assumeTrue(enabled(), "real-QEMU test not enabled (-Djvfio.qemu.test=true or JVFIO_QEMU_TEST=1)");
        boolean virt = machine.equals("virt");
        String binary = virt ? "qemu-system-aarch64" : "qemu-system-x86_64";
        Path qemu = qemu(binary);
        assumeTrue(qemu != null, binary + " is not installed");
        String objects = run(List.of(qemu.toString(), "-object", "help"), "");
        boolean hasGenericInitiator = objects.contains("acpi-generic-initiator");

        CliProcess.Result r = CliProcess.run(
                "qemu-args",
                "--gpus",
                Integer.toString(gpus),
                "--ram",
                "2G",
                "--topology",
                topology,
                "--machine",
                machine);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String cpu = "max"; // arm: QEMU 11 warns when one socket's CPUs span two nodes (virt prefers cores)
        if (!virt) {
            Matcher bits =
                    Pattern.compile("needs (\\d+) guest physical address bits").matcher(r.err());
            assertThat(bits.find()).as(r.err()).isTrue();
            cpu = "qemu64,phys-bits=" + bits.group(1);
        }

        List<String> cmd = new ArrayList<>(List.of(
                qemu.toString(),
                "-accel",
                "tcg",
                "-cpu",
                cpu,
                "-nodefaults",
                "-display",
                "none",
                "-S",
                "-monitor",
                "stdio"));
        List<String> words = ShellTokens.split(r.out());
        for (int i = 0; i < words.size(); i += 2) {
            String opt = words.get(i), val = words.get(i + 1);
            if (opt.equals("-device") && val.contains("\"vfio-user-pci\"")) {
                ObjectNode dev = (ObjectNode) JSON.readTree(val);
                ObjectNode standIn = JSON.createObjectNode();
                standIn.put("driver", "pci-testdev");
                standIn.set("id", dev.get("id"));
                standIn.set("bus", dev.get("bus"));
                standIn.set("addr", dev.get("addr"));
                val = standIn.toString();
            } else if (opt.equals("-object") && val.startsWith("acpi-generic-initiator") && !hasGenericInitiator) {
                continue;
            }
            cmd.add(opt);
            cmd.add(val);
        }
        String out = run(cmd, "info numa\nquit\n");
        int cpuNodes = topology.equals("flat") ? 2 : gpus;
        assertThat(out).contains((cpuNodes + 8 * gpus) + " nodes");
        assertThat(out).containsPattern("node 0 cpus: 0 1\\s").containsPattern("node 1 cpus: 2 3\\s");
        assertThat(out).contains("node " + (cpuNodes - 1 + 8 * gpus) + " size: 0 MB");
        assertThat(out)
                .doesNotContain("warning"); // e.g. "CPU-0 and CPU-1 in socket-0 ... associated with node-0 and node-1"
    }
}
