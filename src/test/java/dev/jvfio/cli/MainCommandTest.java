package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.fuzz.FuzzReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level command and the reserved bench command, run as a user would. */
class MainCommandTest {
    @Test
    @DisplayName("jvfio with no command: usage message listing every command --help lists, exit 2")
    void noCommand() {
        CliProcess.Result r = CliProcess.run();
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("a command is needed: serve, lspci, qemu-args, bench");
        Main.commandLine().getSubcommands().forEach((name, sub) -> {
            if (!sub.getCommandSpec().usageMessage().hidden() && !name.equals("help")) {
                assertThat(r.err()).as("names " + name).containsPattern("\\b" + name + "\\b");
            }
        });
    }

    @Test
    @DisplayName("-V and --version print the version for jvfio and for every command, exit 0")
    void versionEverywhere() {
        for (String command : List.of("", "serve", "lspci", "qemu-args", "bench", "fuzz", "peek")) {
            for (String flag : List.of("-V", "--version")) {
                CliProcess.Result r = command.isEmpty() ? CliProcess.run(flag) : CliProcess.run(command, flag);
                assertThat(r.exitCode()).as(command + " " + flag + "\n" + r).isZero();
                assertThat(r.out().strip()).as(command + " " + flag + "\n" + r).isEqualTo(Main.VERSION);
            }
        }
    }

    @Test
    @DisplayName("fuzz --help explains every term its summary prints")
    void fuzzSummaryTermsAreExplained() {
        CliProcess.Result help = CliProcess.run("fuzz", "--help");
        assertThat(help.exitCode()).as(help.toString()).isZero();
        String summary = new FuzzReport(
                        1, 1, 2, 3, 4, Map.of("EINVAL", 1L), 5, 6, 7, 8, 9, 10, 11, 12, 13, 13, 0, List.of("x"))
                .toString();
        for (String term : List.of(
                "hostile messages",
                "replies checked",
                "error replies",
                "attaches",
                "sessions closed by the server",
                "cut short by us",
                "split",
                "stray replies",
                "hostile handshakes",
                "fds sent",
                "probe device",
                "server fds",
                "fuzzer DMA mappings left",
                "FAILURES")) {
            assertThat(summary).as("the summary prints " + term).contains(term);
            assertThat(help.out())
                    .as("fuzz --help explains " + term)
                    .containsPattern("(?m)^  " + Pattern.quote(term) + " ");
        }
    }

    @Test
    @DisplayName("an unexpected failure prints one line naming it and the file its details went to, no stack trace")
    void unexpectedFailureIsOneLine() throws Exception {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Broken());
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> Main.failure(ex, cmd)); // the handler Main installs
        assertThat(cl.execute()).isEqualTo(1);
        List<String> lines = err.toString().lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst())
                .startsWith("broken: internal error: java.lang.IllegalStateException: a bug")
                .contains("; details in ");
        Path details = Path.of(lines.getFirst().substring(lines.getFirst().indexOf("details in ") + 11));
        try {
            assertThat(Files.readString(details))
                    .contains("IllegalStateException: a bug")
                    .contains("\tat ");
        } finally {
            Files.deleteIfExists(details);
        }
    }

    @Command(name = "broken")
    static final class Broken implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("a bug");
        }
    }

    @Test
    @DisplayName("jvfio --help lists every subcommand, exit 0")
    void help() {
        CliProcess.Result r = CliProcess.run("--help");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("serve")
                .contains("lspci")
                .contains("qemu-args")
                .contains("bench");
    }

    @Test
    @DisplayName("jvfio with an unknown command: suggestion, exit 2")
    void unknownCommand() {
        CliProcess.Result r = CliProcess.run("serv");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("Unmatched argument").contains("serve");
    }

    @Test
    @DisplayName("jvfio bench --help describes the floors, exit 0; a bad option is a usage error, exit 2")
    void benchHelpAndBadOption() {
        CliProcess.Result help = CliProcess.run("bench", "--help");
        assertThat(help.exitCode()).as(help.toString()).isZero();
        assertThat(help.out()).contains("floor");
        CliProcess.Result bad = CliProcess.run("bench", "--rounds", "many");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.out()).isEmpty();
    }
}
