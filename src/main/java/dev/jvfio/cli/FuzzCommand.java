package dev.jvfio.cli;

import dev.jvfio.fuzz.FuzzCampaign;
import dev.jvfio.fuzz.FuzzReport;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Hidden: runs the hardening fuzzer (dev.jvfio.fuzz) against two in-process GPU servers for a long bound. */
@Command(name = "fuzz", hidden = true, mixinStandardHelpOptions = true,
        description = {"Fuzzes one device of a two-device server in this process with hostile vfio-user clients",
            "while a probe client uses the other; prints messages/s and any contract violation. Exit 1 on failure."})
final class FuzzCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", paramLabel = "N", description = "How long to fuzz (default: 60).")
    long seconds = 60;

    @Option(names = "--seed", paramLabel = "N", description = "Seed to replay (default: random, printed).")
    Long seed;

    @Option(names = "--profile", paramLabel = "NAME", description = "Profile of the fuzzed device (default: gh200).")
    String profile = "gh200";

    @Override
    public Integer call() throws Exception {
        if (seconds < 1) {
            throw new UsageError("--seconds must be at least 1");
        }
        FuzzReport report = FuzzCampaign.run(Duration.ofSeconds(seconds), seed != null ? seed : System.nanoTime(),
                profile);
        spec.commandLine().getOut().println(report);
        spec.commandLine().getOut().flush();
        return report.passed() ? 0 : Main.EXIT_FAILURE;
    }
}
