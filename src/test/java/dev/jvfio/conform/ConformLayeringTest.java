package dev.jvfio.conform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The checker reads nothing of jvfio's own layout: it talks to a socket through the transport and
 * judges bytes against the specification, so it may use the wire-level packages (os, transport,
 * protocol's command numbers, the client's message record, errno names) and nothing that knows how
 * jvfio serves or what its devices are; docs/conform.md lists every check with its spec reference.
 */
class ConformLayeringTest {
    static final Path MAIN = Path.of("src/main/java/dev/jvfio/conform");
    static final List<String> ALLOWED =
            List.of("conform", "os", "transport", "protocol.Command", "client.RawMessage", "device.Errno");

    /** The references in {@code source} to jvfio types outside {@link #ALLOWED}. */
    static List<String> offending(String source) {
        Matcher m = Pattern.compile("dev\\.jvfio\\.([a-z]+(?:\\.[A-Z]\\w*)?)").matcher(source);
        List<String> bad = new ArrayList<>();
        while (m.find()) {
            String name = m.group(1);
            if (ALLOWED.stream().noneMatch(a -> name.equals(a) || name.startsWith(a + "."))) {
                bad.add("dev.jvfio." + name);
            }
        }
        return bad;
    }

    @Test
    void theScanSeesAReference() {
        assertThat(offending("import dev.jvfio.server.VfioUserServer;\nimport dev.jvfio.protocol.Header;\n"
                        + "import dev.jvfio.protocol.Command;\nimport dev.jvfio.os.Fd;"))
                .containsExactly("dev.jvfio.server.VfioUserServer", "dev.jvfio.protocol.Header");
    }

    @Test
    @DisplayName("conform refers to the wire-level packages only, never to server, device models, profiles or the CLI")
    void refersToTheWireOnly() throws Exception {
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.list(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                offending(Files.readString(f)).forEach(r -> bad.add(f.getFileName() + " refers to " + r));
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    @DisplayName("docs/conform.md has a row for every check with its spec reference; the README lists jvfio conform")
    void documented() throws Exception {
        String doc = Files.readString(Path.of("docs/conform.md"));
        for (Check c : Catalogue.all()) {
            assertThat(doc)
                    .as(c.id())
                    .containsPattern(
                            "(?m)^\\| `" + Pattern.quote(c.id()) + "` \\|.*\\| " + Pattern.quote(c.spec()) + " \\|$");
        }
        assertThat(Files.readString(Path.of("README.md"))).contains("| `jvfio conform --socket PATH");
    }
}
