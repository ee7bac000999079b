package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

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

    @Test
    @DisplayName("NV-8.2 the libvirt example's <qemu:commandline> uses only QEMU names and the same numbering as qemu-args")
    void nv_8_2_libvirtExampleUsesQemuNames() throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        var doc = factory.newDocumentBuilder().parse(ROOT.resolve("docs/examples/libvirt-domain.xml").toFile());
        NodeList args = doc.getElementsByTagNameNS("http://libvirt.org/schemas/domain/qemu/1.0", "arg");
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < args.getLength(); i++) {
            words.append(ShellWords.quote(((Element) args.item(i)).getAttribute("value"))).append(' ');
        }
        QemuArgsCommandTest.Parsed parsed = QemuArgsCommandTest.parse(words.toString());
        assertThat(QemuArgsCommandTest.checkNames(parsed)).hasSize(1);
        List<Map<String, String>> gi = parsed.objects("acpi-generic-initiator");
        assertThat(gi).extracting(m -> m.get("node")).containsExactly("2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(parsed.numaNodes()).extracting(m -> m.get("nodeid")).containsExactly("2", "3", "4", "5", "6", "7", "8", "9");
    }
}
