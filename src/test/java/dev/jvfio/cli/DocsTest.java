package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The README and docs stay true: quick start, links, and the QEMU options in the examples. */
class DocsTest {
    static final Path ROOT = Path.of(System.getProperty("user.dir"));

    @Test
    @DisplayName("README quick start is exactly the two commands ./jvfio serve and ./mvnw verify")
    void quickStartHasTwoCommands() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("## Quick start");
        assertThat(start).isNotNegative();
        Matcher block = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(block.find(start)).isTrue();
        List<String> commands = block.group(1).lines().map(l -> l.replaceAll("#.*", "").strip())
                .filter(l -> !l.isEmpty()).toList();
        assertThat(commands).containsExactly("./jvfio serve", "./mvnw verify");
    }

    @Test
    @DisplayName("every relative link in README.md and docs/*.md points to an existing file")
    void linksResolve() throws Exception {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (var s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
        }
        Pattern link = Pattern.compile("\\]\\(([^)#:]+)(#[^)]*)?\\)");
        for (Path page : pages) {
            Matcher m = link.matcher(Files.readString(page));
            while (m.find()) {
                assertThat(page.getParent().resolve(m.group(1))).as("link in " + page).exists();
            }
        }
    }

    /** How docs/examples/libvirt-domain.xml is made; the test below regenerates and compares. */
    static final String[] LIBVIRT_EXAMPLE_ARGS = {"qemu-args", "--libvirt", "--gpus", "2",
        "--socket", "/run/jvfio/gpu0.sock", "--socket", "/run/jvfio/gpu1.sock"};

    @Test
    @DisplayName("issue 16: docs/examples/libvirt-domain.xml is exactly what qemu-args --libvirt prints for it")
    void libvirtExampleIsGenerated() throws Exception {
        CliProcess.Result r = CliProcess.run(LIBVIRT_EXAMPLE_ARGS);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String example = Files.readString(ROOT.resolve("docs/examples/libvirt-domain.xml"));
        assertThat(example).as("regenerate with: ./jvfio " + String.join(" ", LIBVIRT_EXAMPLE_ARGS)
                + " > docs/examples/libvirt-domain.xml").isEqualTo(r.out());
    }

    @Test
    @DisplayName("NV-8.2 the libvirt example's <qemu:commandline> uses only QEMU names and the same numbering as qemu-args")
    void nv_8_2_libvirtExampleUsesQemuNames() throws Exception {
        var doc = LibvirtDomainTest.parseXml(Files.readString(ROOT.resolve("docs/examples/libvirt-domain.xml")));
        QemuArgsCommandTest.Parsed parsed = LibvirtDomainTest.commandline(doc);
        assertThat(QemuArgsCommandTest.checkNames(parsed)).hasSize(2);
        List<Map<String, String>> gi = parsed.objects("acpi-generic-initiator");
        assertThat(gi).extracting(m -> m.get("node")).containsExactly("2", "3", "4", "5", "6", "7", "8", "9",
                "10", "11", "12", "13", "14", "15", "16", "17");
        assertThat(parsed.numaNodes()).extracting(m -> m.get("nodeid")).containsExactly("2", "3", "4", "5", "6", "7",
                "8", "9", "10", "11", "12", "13", "14", "15", "16", "17");
    }

    @Test
    @DisplayName("issue 16: every -device the README and docs show is JSON (QEMU creates key=value devices first)")
    void documentedDevicesAreJson() throws Exception {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (var s = Files.walk(ROOT.resolve("docs"))) {
            s.filter(Files::isRegularFile).forEach(pages::add);
        }
        // "-device DRIVER,key=value" (optionally quoted); "-device help" and "-device '{...}'" pass
        Pattern keyValue = Pattern.compile("-device[ =]+'?[a-z][a-z0-9_-]*,");
        Pattern xmlArg = Pattern.compile("<qemu:arg value='-device'/>\\s*<qemu:arg value='(?!\\{)");
        for (Path page : pages) {
            String text = Files.readString(page);
            Matcher m = keyValue.matcher(text);
            if (m.find()) {
                throw new AssertionError("key=value -device in " + page + ": "
                        + text.substring(m.start(), Math.min(text.length(), m.start() + 80)));
            }
            assertThat(xmlArg.matcher(text).find()).as("key=value -device in %s", page).isFalse();
        }
    }
}
