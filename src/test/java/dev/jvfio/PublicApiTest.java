package dev.jvfio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What module dev.jvfio exports is documented as an API: each package says what it is for and where to start. */
class PublicApiTest {
    static final Path MAIN = Path.of("src/main/java");

    static List<String> exported() throws IOException {
        Matcher m = Pattern.compile("(?m)^\\s*exports\\s+([\\w.]+)\\s*;")
                .matcher(Files.readString(MAIN.resolve("module-info.java")));
        List<String> out = new ArrayList<>();
        while (m.find()) out.add(m.group(1));
        return out;
    }

    @Test
    @DisplayName("every exported package has a package-info.java that links to at least one of its entry points")
    void everyExportedPackageIsDescribed() throws IOException {
        List<String> packages = exported();
        assertThat(packages).contains("dev.jvfio.device", "dev.jvfio.pci", "dev.jvfio.server");
        for (String pkg : packages) {
            Path info = MAIN.resolve(pkg.replace('.', '/')).resolve("package-info.java");
            assertThat(info).as(pkg).exists();
            assertThat(Files.readString(info)).as(pkg).contains("{@link " + pkg + ".");
        }
    }

    @Test
    @DisplayName(
            "internal plumbing is not exported: protocol, transport, linker, procfs, lspci, qemu, units, cli, bench, fuzz")
    void internalPackagesStayInternal() throws IOException {
        assertThat(exported())
                .doesNotContain(
                        "dev.jvfio.protocol",
                        "dev.jvfio.transport",
                        "dev.jvfio.linker",
                        "dev.jvfio.procfs",
                        "dev.jvfio.lspci",
                        "dev.jvfio.qemu",
                        "dev.jvfio.units",
                        "dev.jvfio.cli",
                        "dev.jvfio.bench",
                        "dev.jvfio.fuzz");
    }
}
