package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * The manual pages (docs/man/*.adoc, AsciiDoc that the package build turns into man pages) and the
 * bash completion script (src/deb/jvfio.bash-completion) are generated from the picocli model by
 * picocli itself, so they say what {@code --help} says. This test regenerates them and fails on any
 * difference; {@code JVFIO_REGENERATE=1} writes them instead.
 */
class ManualsTest {
    static final Path MAN = Path.of("docs/man");
    static final Path COMPLETION = Path.of("src/deb/jvfio.bash-completion");
    private static final String HOW = "regenerate with: JVFIO_REGENERATE=1 ./mvnw test -Dtest=ManualsTest";

    /** File name -> AsciiDoc text: jvfio.adoc and one jvfio-COMMAND.adoc per command --help lists. */
    static Map<String, String> manuals() {
        Map<String, String> out = new TreeMap<>();
        CommandLine root = Main.commandLine();
        out.put("jvfio.adoc", page(root.getCommandSpec()));
        root.getSubcommands().forEach((name, cmd) -> {
            if (cmd.getCommandSpec().usageMessage().hidden() || name.equals("help")) return;
            out.put("jvfio-" + name + ".adoc", page(cmd.getCommandSpec()));
        });
        return out;
    }

    private static String page(CommandLine.Model.CommandSpec spec) {
        StringWriter text = new StringWriter();
        try (PrintWriter pw = new PrintWriter(text)) {
            ManPageGenerator.writeSingleManPage(pw, spec);
        }
        return text.toString();
    }

    /** picocli's script without its first line, "#!/usr/bin/env bash": bash-completion sources it, never runs it. */
    static String completion() {
        String script = AutoComplete.bash("jvfio", Main.commandLine());
        return script.startsWith("#!") ? script.substring(script.indexOf('\n') + 1) : script;
    }

    private static boolean regenerate() {
        return "1".equals(System.getenv("JVFIO_REGENERATE"));
    }

    @Test
    @DisplayName("docs/man holds exactly the pages picocli generates for jvfio and each listed command")
    void manualsAreGenerated() throws IOException {
        Map<String, String> want = manuals();
        if (regenerate()) {
            Files.createDirectories(MAN);
            try (Stream<Path> old = Files.list(MAN)) {
                for (Path p : old.filter(p -> p.toString().endsWith(".adoc")).toList()) Files.delete(p);
            }
            for (var e : want.entrySet()) Files.writeString(MAN.resolve(e.getKey()), e.getValue());
        }
        Map<String, String> have = new TreeMap<>();
        try (Stream<Path> files = Files.list(MAN)) {
            for (Path p : files.filter(p -> p.toString().endsWith(".adoc")).toList()) {
                have.put(p.getFileName().toString(), Files.readString(p));
            }
        }
        assertThat(have.keySet()).as(HOW).containsExactlyElementsOf(want.keySet());
        want.forEach(
                (name, text) -> assertThat(have.get(name)).as(name + ": " + HOW).isEqualTo(text));
    }

    @Test
    @DisplayName("the bash completion script is the one picocli generates for the jvfio command tree")
    void completionIsGenerated() throws IOException {
        String want = completion();
        if (regenerate()) Files.writeString(COMPLETION, want);
        assertThat(Files.readString(COMPLETION)).as(HOW).isEqualTo(want);
    }

    @Test
    @DisplayName("the serve manual lists every serve option, --metrics and --allow-group among them")
    void serveManualListsItsOptions() {
        String serve = manuals().get("jvfio-serve.adoc");
        for (var option : Main.commandLine()
                .getSubcommands()
                .get("serve")
                .getCommandSpec()
                .options()) {
            assertThat(serve).contains(option.longestName());
        }
        assertThat(serve).contains("--metrics", "--allow-group");
    }
}
