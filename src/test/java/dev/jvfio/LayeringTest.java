package dev.jvfio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The package diagram of README.md and docs/design.md, made executable: each package of
 * {@code src/main/java/dev/jvfio} may refer only to the packages its row lists (imports and fully
 * qualified names in code; comments and string literals do not count). A package without a row
 * fails the test, so a new package must take its place in the diagram first.
 */
class LayeringTest {
    static final Path MAIN = Path.of("src/main/java/dev/jvfio");

    /** Allowed dependencies, lowest layers first (the diagram's arrows, transitively closed). */
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            // linker and procfs are internal plumbing (not exported): only the layers that do native
            // calls link through linker; procfs is read by the server's budgets and the fuzzer.
            Map.entry("linker", Set.of()),
            Map.entry("procfs", Set.of()),
            Map.entry("os", Set.of("linker")),
            Map.entry("units", Set.of()),
            Map.entry("transport", Set.of("os", "linker")),
            Map.entry("device", Set.of("os")),
            Map.entry("protocol", Set.of("device", "os")),
            // devicestate: the migration stream of device state (sections, memory by populated extents) every device
            // model writes
            Map.entry("devicestate", Set.of("device", "os")),
            Map.entry("pci", Set.of("devicestate", "device", "os")),
            Map.entry("engine", Set.of("pci", "devicestate", "device", "os")),
            Map.entry("hw", Set.of("engine", "pci", "devicestate", "device", "os")),
            Map.entry("nvgrace", Set.of("hw", "pci", "devicestate", "device", "os")),
            Map.entry("sample", Set.of("engine", "pci", "devicestate", "device", "os")),
            Map.entry("profile", Set.of("nvgrace", "hw", "sample", "engine", "pci", "devicestate", "device", "os")),
            Map.entry("server", Set.of("protocol", "transport", "device", "os", "procfs")),
            Map.entry("daemon", Set.of("os", "linker")),
            Map.entry("metrics", Set.of("server", "protocol", "transport", "device", "os")),
            Map.entry("client", Set.of("protocol", "transport", "device", "os")),
            Map.entry("qmp", Set.of()),
            Map.entry("control", Set.of("qmp", "server", "transport", "device", "os", "units")),
            Map.entry("trace", Set.of("protocol", "transport", "device", "os")),
            Map.entry("conform", Set.of("client", "protocol", "transport", "device", "os")),
            Map.entry("lspci", Set.of("client", "pci", "device", "os", "units")),
            Map.entry("qemu", Set.of("hw", "units")),
            Map.entry("migration", Set.of("client", "device", "os", "units")),
            Map.entry("fuzz", Set.of("client", "server", "profile", "protocol", "transport", "device", "os", "procfs")),
            Map.entry(
                    "bench",
                    Set.of(
                            "metrics",
                            "client",
                            "server",
                            "sample",
                            "hw",
                            "engine",
                            "protocol",
                            "transport",
                            "device",
                            "os",
                            "units",
                            "procfs")),
            Map.entry(
                    "cli",
                    Set.of(
                            "bench",
                            "fuzz",
                            "lspci",
                            "qemu",
                            "trace",
                            "conform",
                            "migration",
                            "daemon",
                            "metrics",
                            "control",
                            "qmp",
                            "client",
                            "server",
                            "profile",
                            "nvgrace",
                            "hw",
                            "sample",
                            "engine",
                            "pci",
                            "devicestate",
                            "protocol",
                            "transport",
                            "device",
                            "os",
                            "units")));

    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.jvfio\\.([a-z]+)\\.");
    private static final Pattern COMMENTS_AND_STRINGS = Pattern.compile(
            "/\\*.*?\\*/|//[^\\n]*|\"\"\"(?s:.*?)\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\])'",
            Pattern.DOTALL);

    /** package -> the packages its code refers to, with one file that does for each. */
    static Map<String, Map<String, String>> references() throws IOException {
        Map<String, Map<String, String>> out = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(MAIN)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                String pkg = dir.getFileName().toString();
                Map<String, String> refs = out.computeIfAbsent(pkg, k -> new TreeMap<>());
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path f :
                            files.filter(p -> p.toString().endsWith(".java")).toList()) {
                        String code = COMMENTS_AND_STRINGS
                                .matcher(Files.readString(f))
                                .replaceAll(" ");
                        Matcher m = REFERENCE.matcher(code);
                        while (m.find()) {
                            if (!m.group(1).equals(pkg))
                                refs.putIfAbsent(m.group(1), f.getFileName().toString());
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    @DisplayName("every package has a row in the layer table")
    void everyPackageHasARow() throws IOException {
        assertThat(ALLOWED.keySet()).containsAll(references().keySet());
    }

    @Test
    @DisplayName("each package refers only to the packages its row allows")
    void eachPackageKeepsToItsRow() throws IOException {
        List<String> bad = new ArrayList<>();
        references()
                .forEach((pkg, refs) -> refs.forEach((target, file) -> {
                    if (!ALLOWED.getOrDefault(pkg, Set.of()).contains(target)) {
                        bad.add(pkg + " -> " + target + " (" + file + ")");
                    }
                }));
        assertThat(bad).isEmpty();
    }

    @Test
    @DisplayName("the table is a layering: no two packages may refer to each other")
    void theTableHasNoCycle() {
        Set<String> cycles = new TreeSet<>();
        ALLOWED.forEach((a, deps) -> deps.forEach(b -> {
            if (ALLOWED.getOrDefault(b, Set.of()).contains(a)) cycles.add(a + " <-> " + b);
        }));
        assertThat(cycles).isEmpty();
    }

    @Test
    @DisplayName("the check sees a reference in code and ignores one in a comment or string")
    void theCheckSeesCodeOnly() {
        String code =
                "import dev.jvfio.os.Fd; // dev.jvfio.cli.Main\n/* dev.jvfio.bench.X */ String s = \"dev.jvfio.qemu.Y\";";
        Matcher m = REFERENCE.matcher(COMMENTS_AND_STRINGS.matcher(code).replaceAll(" "));
        List<String> found = new ArrayList<>();
        while (m.find()) found.add(m.group(1));
        assertThat(found).containsExactly("os");
    }

    @Test
    @DisplayName("NV layering: nvgrace reads the hardware through its interfaces, never the simulation classes")
    void nvgraceKnowsNotHowTheHardwareIsSimulated() throws IOException {
        List<String> simulation = List.of(
                "SimulatedGraceGpu",
                "SimulatedDeviceMemory",
                "Bar0Registers",
                "PhysicalFunction",
                "ResetTiming",
                "GpuSpec");
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN.resolve("nvgrace"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String code = COMMENTS_AND_STRINGS.matcher(Files.readString(f)).replaceAll(" ");
                for (String cls : simulation) {
                    if (Pattern.compile("\\bdev\\.jvfio\\.hw\\." + cls + "\\b")
                            .matcher(code)
                            .find()) {
                        bad.add(f.getFileName() + " -> hw." + cls);
                    }
                }
            }
        }
        assertThat(bad).isEmpty();
    }
}
