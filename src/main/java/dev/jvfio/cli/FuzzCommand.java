package dev.jvfio.cli;

import dev.jvfio.fuzz.FuzzCampaign;
import dev.jvfio.fuzz.FuzzReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Hidden: runs the hardening fuzzer (dev.jvfio.fuzz) against two in-process GPU servers for a long bound. */
@Command(
        name = "fuzz",
        hidden = true,
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Fuzzes one device of a two-device server in this process with hostile vfio-user clients",
            "while a probe client uses the other; prints progress every 10 s, then a summary and any",
            "contract violation. Exit 1 on failure."
        },
        footer = {
            "",
            "The summary:",
            "  hostile messages   messages the fuzzer sent (cut-short ones and stray replies included)",
            "  replies checked    replies received and checked against what the request allows",
            "  error replies      those replies that carried an error, by errno",
            "  attaches           sessions the fuzzer opened (the first and every one after a hang-up)",
            "  sessions closed by the server  hang-ups by the server (a stream it cannot trust)",
            "  cut short by us    messages the fuzzer stopped sending half way, then hung up",
            "  split              messages sent in several pieces",
            "  stray replies      reply-type messages slipped between requests",
            "  hostile handshakes connections whose first message was hostile",
            "  fds sent           file descriptors sent with messages",
            "  probe device       correct round trips of the probe client on the other device",
            "  server fds         open fds of this process before the run and after every client left",
            "                     (must be equal)",
            "  fuzzer DMA mappings left  mappings of the fuzzer's DMA memory still in the server (must be 0)",
            "  FAILURES           contract violations: wrong replies, a dead probe device, leaks"
        })
final class FuzzCommand implements Callable<Integer> {
    /** A week: longer runs are better done as several seeds. */
    static final long MAX_SECONDS = 7 * 24 * 3600;

    static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", paramLabel = "N", description = "How long to fuzz, 1 to 604800 (default: 60).")
    long seconds = 60;

    @Option(names = "--seed", paramLabel = "N", description = "Seed to replay (default: random, printed).")
    Long seed;

    @Option(names = "--profile", paramLabel = "NAME", description = "Profile of the fuzzed device (default: gh200).")
    String profile = "gh200";

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || seconds > MAX_SECONDS) {
            throw new UsageError(
                    "--seconds " + seconds + " is out of range; allowed: 1 to " + MAX_SECONDS + " (a week)");
        }
        if (!DeviceSpec.PROFILES.contains(profile)) {
            throw new UsageError("--profile: '" + profile + "' is not allowed; allowed values: "
                    + String.join(", ", DeviceSpec.PROFILES));
        }
        long s = seed != null ? seed : System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        out.println("fuzz: seed " + s + ", " + seconds + " s against a " + profile + "; progress every "
                + PROGRESS_EVERY.toSeconds() + " s");
        out.flush();
        FuzzReport report = FuzzCampaign.run(Duration.ofSeconds(seconds), s, profile, PROGRESS_EVERY, line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        });
        out.println(report);
        out.flush();
        return report.passed() ? 0 : Main.EXIT_FAILURE;
    }
}
