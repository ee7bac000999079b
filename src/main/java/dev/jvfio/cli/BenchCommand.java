package dev.jvfio.cli;

import dev.jvfio.bench.Bench;
import dev.jvfio.bench.BenchOptions;
import dev.jvfio.bench.BenchReport;
import dev.jvfio.bench.JsonReport;
import dev.jvfio.bench.Table;
import dev.jvfio.units.ByteSize;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Measures the server against floors measured in the same run; see README "Benchmarks". */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Benchmark a jvfio server against floors measured in the same run.",
        description = {
            "Starts servers as child processes and measures them with the Java client:",
            "trapped round trips, bulk REGION_READ/WRITE, several clients at once, BAR4",
            "through the client's own mapping, DMA copies and the server's footprint. Each",
            "figure is printed beside a floor measured in the same run (an echo over the",
            "same transport, or memory copies), alternating round by round, with the ratio",
            "between them (1.00 = as good as the floor). A target is met or MISSED only when",
            "the whole 95%% interval says so, otherwise undecided; undecided rows get more",
            "rounds within --decide-budget. Defaults take about two minutes on 2 CPUs;",
            "see docs/benchmarks.md."
        })
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            converter = Converters.Delay.class,
            description =
                    "Measuring time per row for each side (subject and floor), split into the rounds (default: 2400ms).")
    Duration duration;

    @Option(
            names = "--warmup",
            paramLabel = "DURATION",
            converter = Converters.Delay.class,
            description = "Unmeasured time per row and side before the rounds (default: 400ms).")
    Duration warmup;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            description = "Rounds per side: the table shows their median and the best of the N (default: 4).")
    Integer rounds;

    @Option(
            names = "--sizes",
            paramLabel = "SIZE",
            split = ",",
            converter = Converters.Size.class,
            description =
                    "Bulk chunk sizes, comma-separated (default: 4K,64K,1M; larger than the negotiated max_data_xfer_size are skipped).")
    List<ByteSize> sizes = new ArrayList<>();

    @Option(
            names = "--clients",
            paramLabel = "N",
            description = "Parallel clients, one per device, all devices in one server (default: 1).")
    Integer clients;

    @Option(names = "--spin", description = "Clients busy-poll for replies instead of sleeping in recvmsg (floor too).")
    boolean spin;

    @Option(
            names = "--halt-poll",
            paramLabel = "DURATION",
            converter = Converters.Delay.class,
            description = "How long the dma rows' client polls for a completion interrupt before it sleeps, as KVM"
                    + " polls a halted vCPU (halt_poll_ns); 0 sleeps at once (default: 200us).")
    Duration haltPoll;

    @Option(names = "--pin", description = "Run every process (this one, the server, the echo) on CPU 0 with taskset.")
    boolean pin;

    @Option(
            names = "--json",
            paramLabel = "FILE",
            description = "Also write the results (every round) as JSON to FILE.")
    Path json;

    @Option(
            names = "--mapped-window",
            paramLabel = "SIZE",
            converter = Converters.Size.class,
            description = "Bytes of BAR4 the mapped rows stream over (default: 256M).")
    ByteSize mappedWindow;

    @Option(
            names = "--touch",
            paramLabel = "SIZE",
            converter = Converters.Size.class,
            description = "Bytes of BAR4 the client writes before the last footprint reading (default: 1G).")
    ByteSize touch;

    @Option(
            names = "--launches",
            paramLabel = "N",
            description = "Launches of the 96 GiB server (and the echo) for the ready and idle rows (default: 3).")
    Integer launches;

    @Option(
            names = "--trapped-profile",
            paramLabel = "NAME",
            description = "Device profile served for the trapped and bulk rows (default: sample).")
    String trappedProfile;

    @Option(
            names = "--only",
            paramLabel = "GROUP",
            split = ",",
            description =
                    "Measure only these row groups: trapped, bulk, clients, mapped, dma, footprint, proxy, metrics, migration (default: all).")
    List<String> only = new ArrayList<>();

    @Option(
            names = "--decide-budget",
            paramLabel = "DURATION",
            converter = Converters.Delay.class,
            description = "Extra time per row with a target while its verdict is undecided: rounds are added in pairs"
                    + " until the 95%% interval decides it or the budget is spent; 0 for fixed rounds (default: 6s).")
    Duration decideBudget;

    @Option(
            names = "--child-java-option",
            paramLabel = "OPTION",
            description =
                    "Extra JVM option for the child processes, repeatable (e.g. -XX:StartFlightRecording=filename=server.jfr).")
    List<String> childJavaOptions = new ArrayList<>();

    /**
     * The options, every one checked before anything runs (a typo found after a minute of
     * measuring costs the minute); each message names its option.
     */
    BenchOptions options() {
        BenchOptions o = BenchOptions.defaults();
        if (duration != null) o = named("--duration", o, duration, BenchOptions::withDuration);
        if (warmup != null) o = named("--warmup", o, warmup, BenchOptions::withWarmup);
        if (decideBudget != null) o = named("--decide-budget", o, decideBudget, BenchOptions::withDecideBudget);
        if (haltPoll != null) o = named("--halt-poll", o, haltPoll, BenchOptions::withHaltPoll);
        if (rounds != null) o = named("--rounds", o, rounds, BenchOptions::withRounds);
        if (!sizes.isEmpty())
            o = named("--sizes", o, sizes.stream().map(ByteSize::bytes).toList(), BenchOptions::withSizes);
        if (clients != null) o = named("--clients", o, clients, BenchOptions::withClients);
        if (mappedWindow != null) o = named("--mapped-window", o, mappedWindow.bytes(), BenchOptions::withMappedWindow);
        if (touch != null) o = named("--touch", o, touch.bytes(), BenchOptions::withTouchBytes);
        if (launches != null) o = named("--launches", o, launches, BenchOptions::withLaunches);
        if (trappedProfile != null) {
            if (!DeviceSpec.PROFILES.contains(trappedProfile)) {
                throw new UsageError("--trapped-profile: '" + trappedProfile + "' is not allowed; allowed values: "
                        + String.join(", ", DeviceSpec.PROFILES));
            }
            o = o.withTrappedProfile(trappedProfile);
        }
        if (!only.isEmpty()) o = named("--only", o, Set.copyOf(only), BenchOptions::withGroups);
        for (String option : childJavaOptions) {
            if (!option.startsWith("-") || option.chars().anyMatch(c -> c == 0 || c == '\n')) {
                throw new UsageError("--child-java-option: '" + option.replace("\0", "\\0")
                        + "' is not a JVM option (one option starting with '-')");
            }
        }
        if (json != null) PathArgs.requireWritable("--json", json);
        return o.withSpin(spin).withPin(pin).withServerJavaOptions(childJavaOptions);
    }

    /** Applies one option, turning its refusal into a usage error that names it. */
    private static <T> BenchOptions named(
            String option, BenchOptions o, T value, BiFunction<BenchOptions, T, BenchOptions> with) {
        try {
            return with.apply(o, value);
        } catch (IllegalArgumentException e) {
            String why = e.getMessage();
            throw new UsageError(why.startsWith(option) ? why : option + ": " + why);
        }
    }

    @Override
    public Integer call() {
        BenchOptions o = options();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BenchReport report;
        try {
            report = Bench.run(o, err);
        } catch (IOException e) {
            throw new CommandFailure("benchmark failed: " + e.getMessage(), e);
        }
        Table.print(report, out);
        if (json != null) {
            try {
                JsonReport.write(report, json);
            } catch (IOException e) {
                throw new CommandFailure("cannot write " + json + ": " + e.getMessage(), e);
            }
            out.println("results written to " + json);
            out.flush();
        }
        return 0;
    }
}
