package dev.jvfio.cli;

import dev.jvfio.conform.Catalogue;
import dev.jvfio.conform.Check;
import dev.jvfio.conform.Report;
import dev.jvfio.conform.Runner;
import dev.jvfio.conform.Settings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Wiring of the vfio-user conformance checker (dev.jvfio.conform): options in, report out. */
@Command(
        name = "conform",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Check any vfio-user server against what the specification requires of it.",
        description = {
            "Connects as a careful client (one connection per check) and prints one line per",
            "check: PASS, FAIL or SKIP, its behaviour id and the reason (docs/conform.md lists",
            "them). Resets the device at the end. Exit code 0 when nothing failed, 1 otherwise."
        })
final class ConformCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", required = true, description = "Socket of the server to check.")
    Path socket;

    @Option(
            names = "--only",
            paramLabel = "IDS",
            split = ",",
            description =
                    "Run only these checks: ids (VU-3.2/minor-zero) or id prefixes (VU-3, VU-6.1), comma-separated.")
    List<String> only = List.of();

    @Option(names = "--json", description = "Print the report as JSON instead of lines.")
    boolean json;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "10s",
            converter = Converters.Delay.class,
            description = "How long a reply may take (default: 10s; DEVICE_RESET may take six times as long).")
    Duration timeout;

    @Override
    public Integer call() {
        PathArgs.requireSocket("--socket", socket);
        List<Check> checks;
        try {
            checks = Catalogue.select(only);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--only: " + e.getMessage() + " (docs/conform.md lists them)");
        }
        if (timeout.isZero()) {
            throw new UsageError("--timeout must be above 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        Report report;
        try {
            report = Runner.run(Settings.of(socket, timeout), checks, o -> {
                if (!json) {
                    out.println(o.line());
                    out.flush();
                }
            });
        } catch (Runner.Unreachable e) {
            throw new CommandFailure(e.getMessage(), e);
        }
        if (json) {
            out.println(report.json());
        } else {
            out.println("cleanup: " + report.cleanup());
            out.println(report.summary());
        }
        out.flush();
        return report.failed() ? Main.EXIT_FAILURE : 0;
    }
}
