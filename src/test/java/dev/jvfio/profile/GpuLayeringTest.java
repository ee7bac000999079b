package dev.jvfio.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** docs/design.md layers for the GPU packages, checked on the import lines of the sources. */
class GpuLayeringTest {
    static final Path MAIN = Path.of("src/main/java/dev/jvfio");

    /** Every reference (import or fully qualified) from pkg's sources to one of the forbidden names. */
    static List<String> offendingImports(String pkg, List<String> forbidden) throws IOException {
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN.resolve(pkg))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(f);
                for (String fp : forbidden) {
                    Pattern ref = Pattern.compile("dev\\.jvfio\\." + Pattern.quote(fp) + "\\b");
                    if (ref.matcher(text).find()) {
                        bad.add(f.getFileName() + " refers to dev.jvfio." + fp);
                    }
                }
            }
        }
        return bad;
    }

    @Test
    void the_check_sees_a_reference() throws IOException {
        assertThat(offendingImports("nvgrace", List.of("hw.GpuHardware"))).isNotEmpty();
    }

    @Test
    void nvgrace_knows_no_sockets_and_not_how_the_hardware_is_simulated() throws IOException {
        assertThat(offendingImports("nvgrace", List.of("server", "transport", "client", "cli", "protocol", "profile")))
                .isEmpty();
        // only the hardware interface types, never the simulation classes
        List<String> simulation = List.of("hw.SimulatedGraceGpu", "hw.SimulatedDeviceMemory", "hw.Bar0Registers",
                "hw.PhysicalFunction", "hw.ResetTiming", "hw.GpuSpec");
        assertThat(offendingImports("nvgrace", simulation)).isEmpty();
    }

    @Test
    void hw_knows_nothing_of_the_variant_or_the_wire() throws IOException {
        assertThat(offendingImports("hw", List.of("nvgrace", "server", "transport", "client", "cli", "protocol", "profile")))
                .isEmpty();
    }
}
