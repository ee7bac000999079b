package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.transport.PeerCredentials;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

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
        List<String> commands = block.group(1)
                .lines()
                .map(l -> l.replaceAll("#.*", "").strip())
                .filter(l -> !l.isEmpty())
                .toList();
        assertThat(commands).containsExactly("./jvfio serve", "./mvnw verify");
    }

    @Test
    @DisplayName("every relative link in README.md and docs/**/*.md points to an existing file")
    void linksResolve() throws Exception {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (var s = Files.walk(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertThat(pages).contains(ROOT.resolve("docs/reference/vfio-user.md"), ROOT.resolve("docs/benchmarks.md"));
        Pattern link = Pattern.compile("\\]\\(([^)#:]+)(#[^)]*)?\\)");
        for (Path page : pages) {
            Matcher m = link.matcher(Files.readString(page));
            while (m.find()) {
                assertThat(page.getParent().resolve(m.group(1)))
                        .as("link in " + page)
                        .exists();
            }
        }
    }

    /** How docs/examples/libvirt-domain.xml is made; the test below regenerates and compares. */
    static final String[] LIBVIRT_EXAMPLE_ARGS = {
        "qemu-args", "--libvirt", "--gpus", "2", "--socket", "/run/jvfio/gpu0.sock", "--socket", "/run/jvfio/gpu1.sock"
    };

    @Test
    @DisplayName("NV-8 docs/examples/libvirt-domain.xml is exactly what qemu-args --libvirt prints for it")
    void libvirtExampleIsGenerated() throws Exception {
        CliProcess.Result r = CliProcess.run(LIBVIRT_EXAMPLE_ARGS);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String example = Files.readString(ROOT.resolve("docs/examples/libvirt-domain.xml"));
        assertThat(example)
                .as("regenerate with: ./jvfio " + String.join(" ", LIBVIRT_EXAMPLE_ARGS)
                        + " > docs/examples/libvirt-domain.xml")
                .isEqualTo(r.out());
    }

    @Test
    @DisplayName(
            "README stays an overview (at most 170 lines: ten commands, each a table row) and links the benchmark page, which exists")
    void readmeIsShortAndBenchmarksHaveTheirPage() throws Exception {
        List<String> readme = Files.readAllLines(ROOT.resolve("README.md"));
        assertThat(readme.size()).as("README.md lines").isLessThanOrEqualTo(170);
        assertThat(String.join("\n", readme)).contains("](docs/benchmarks.md)");
        assertThat(ROOT.resolve("docs/benchmarks.md")).isRegularFile();
    }

    @Test
    @DisplayName("README's commands table names every jvfio command (hidden ones too) and nothing else")
    void readmeCommandsTableMatchesTheCli() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("## Commands");
        int end = readme.indexOf("\n## ", start + 1);
        Matcher row = Pattern.compile("(?m)^\\| `jvfio ([a-z-]+)").matcher(readme.substring(start, end));
        List<String> documented = new ArrayList<>();
        while (row.find()) documented.add(row.group(1));
        List<String> commands = Main.commandLine().getSubcommands().keySet().stream()
                .filter(name -> !name.equals("help"))
                .toList();
        assertThat(documented).containsExactlyInAnyOrderElementsOf(commands);
    }

    @Test
    @DisplayName("README describes the guest suite with its scripts and links docs/e2e.md")
    void readmeDescribesTheGuestSuite() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertThat(readme)
                .contains(
                        "sudo scripts/e2e-env.sh",
                        "JVFIO_E2E_CACHE",
                        "scripts/e2e.sh [--qemu PATH]",
                        "`.ci/run` runs `./mvnw -B verify` then the guest suite",
                        "[docs/e2e.md](docs/e2e.md)");
    }

    @Test
    @DisplayName(
            "VU-9.2 troubleshooting quotes serve's connect, reset, disconnect and refusal lines as ServeLog prints them")
    void vu_9_2_troubleshootingQuotesTheServeLog() throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/troubleshooting.md"));
        StringWriter out = new StringWriter();
        var listener =
                new ServerWiring.LogListener("gpu0", new ServeLog(new PrintWriter(out), false), Operations.none());
        var peer = new PeerCredentials(4317, 1000, 1000);
        listener.connected(peer);
        listener.reset();
        listener.disconnected(peer, "client closed the connection");
        listener.refused(peer, "another client is attached to gpu0");
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(4);
        for (String line : lines) {
            // "2026-12-04T17:41:05.877Z gpu0: ..." : the doc has the same text after its own timestamp
            String text = Pattern.quote(line.substring(line.indexOf(' ') + 1))
                    .replace("4317", "\\E\\d+\\Q")
                    .replace("1000", "\\E\\d+\\Q");
            assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z .*");
            assertThat(doc).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z " + text + "$");
        }
    }

    @Test
    @DisplayName(
            "docs/writing-a-device.md: its Maven coordinates are pom.xml's and every Java example compiles against jvfio")
    void writingADeviceExampleCompiles() throws Exception {
        String guide = Files.readString(ROOT.resolve("docs/writing-a-device.md"));
        var pom = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(ROOT.resolve("pom.xml").toFile())
                .getDocumentElement();
        for (String field : List.of("groupId", "artifactId", "version")) {
            String value = direct(pom, field);
            assertThat(guide).as(field).contains("<" + field + ">" + value + "</" + field + ">");
        }
        Map<String, String> classes = guideClasses(guide);
        assertThat(classes).as("the guide's ```java classes").hasSizeGreaterThanOrEqualTo(2);
        Path dir = Files.createTempDirectory("jvfio-guide");
        try {
            List<Path> files = new ArrayList<>();
            for (var c : classes.entrySet()) {
                Path file = dir.resolve(c.getKey() + ".java");
                Files.writeString(file, c.getValue());
                files.add(file);
            }
            var compiler = ToolProvider.getSystemJavaCompiler();
            StringWriter errors = new StringWriter();
            try (var fm = compiler.getStandardFileManager(null, null, null)) {
                boolean ok = compiler.getTask(
                                errors,
                                fm,
                                null,
                                List.of(
                                        "-proc:none",
                                        "-d",
                                        dir.toString(),
                                        "-cp",
                                        ROOT.resolve("target/classes").toString()),
                                null,
                                fm.getJavaFileObjects(files.toArray(Path[]::new)))
                        .call();
                assertThat(ok).as(errors.toString()).isTrue();
            }
        } finally {
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    @Test
    @DisplayName(
            "docs/writing-a-device.md: its DMA device is, but for the package line, the one ChecksumDeviceTest serves")
    void writingADeviceDmaExampleIsTheTestedOne() throws Exception {
        String guide = Files.readString(ROOT.resolve("docs/writing-a-device.md"));
        String tested = Files.readString(ROOT.resolve("src/test/java/example/mydevice/ChecksumDevice.java"));
        assertThat(guideClasses(guide)).containsKey("ChecksumDevice");
        assertThat(withoutPackage(guideClasses(guide).get("ChecksumDevice"))).isEqualTo(withoutPackage(tested));
    }

    /** The ```java blocks of a page that declare a public class, by class name (module declarations left out). */
    static Map<String, String> guideClasses(String page) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(page);
        while (block.find()) {
            Matcher type = Pattern.compile("public final class (\\w+)").matcher(block.group(1));
            if (type.find()) {
                out.put(type.group(1), block.group(1));
            } else {
                assertThat(block.group(1).strip())
                        .as("a ```java block without a public class")
                        .startsWith("module ");
            }
        }
        return out;
    }

    private static String withoutPackage(String source) {
        return source.replaceFirst("(?m)^package [\\w.]+;\\n", "").strip();
    }

    private static String direct(Element parent, String tag) {
        for (var n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag))
                return e.getTextContent().strip();
        }
        throw new AssertionError("pom.xml has no <" + tag + ">");
    }

    @Test
    @DisplayName(
            "NV-8.2 the libvirt example's <qemu:commandline> uses only QEMU names and the same numbering as qemu-args")
    void nv_8_2_libvirtExampleUsesQemuNames() throws Exception {
        var doc = LibvirtDomainTest.parseXml(Files.readString(ROOT.resolve("docs/examples/libvirt-domain.xml")));
        QemuArgsCommandTest.Parsed parsed = LibvirtDomainTest.commandline(doc);
        assertThat(QemuArgsCommandTest.checkNames(parsed)).hasSize(2);
        List<Map<String, String>> gi = parsed.objects("acpi-generic-initiator");
        assertThat(gi)
                .extracting(m -> m.get("node"))
                .containsExactly(
                        "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17");
        assertThat(parsed.numaNodes())
                .extracting(m -> m.get("nodeid"))
                .containsExactly(
                        "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17");
    }

    @Test
    @DisplayName("NV-8 every -device the README and docs show is JSON (QEMU creates key=value devices first)")
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
            assertThat(xmlArg.matcher(text).find())
                    .as("key=value -device in %s", page)
                    .isFalse();
        }
    }
}
