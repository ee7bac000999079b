package dev.jvfio.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the JMH benchmarks of this package and prints each one beside the floor of its class,
 * measured in the same run: {@code ./mvnw -q -Pjmh test-compile exec:exec} (see README,
 * "Microbenchmarks (JMH)").
 *
 * <p>Arguments are JMH's own command line ({@code -h} lists them); unset ones get short defaults
 * (1 fork, 2 warmup and 5 measurement iterations of 1 s, JMH's output silenced), so the default run
 * takes about 90 s. Every benchmark method named {@code floor} is the floor of the other methods
 * of its class with the same {@code @Param} values.
 */
public final class RunBenchmarks {
    private RunBenchmarks() {}

    static final String FLOOR = "floor";

    public static void main(String[] args) throws Exception {
        CommandLineOptions cmd;
        try {
            cmd = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("jmh: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (cmd.shouldHelp()) {
            cmd.showHelp();
            return;
        }
        if (cmd.shouldList()) {
            new Runner(cmd).list();
            return;
        }
        ChainedOptionsBuilder opts = new OptionsBuilder().parent(cmd);
        if (cmd.getIncludes().isEmpty()) {
            opts.include(RunBenchmarks.class.getPackageName().replace(".", "\\.") + "\\..*Benchmark\\..*");
        }
        if (!cmd.getForkCount().hasValue()) {
            opts.forks(1);
        }
        if (!cmd.getWarmupIterations().hasValue()) {
            opts.warmupIterations(2);
        }
        if (!cmd.getWarmupTime().hasValue()) {
            opts.warmupTime(TimeValue.seconds(1));
        }
        if (!cmd.getMeasurementIterations().hasValue()) {
            opts.measurementIterations(5);
        }
        if (!cmd.getMeasurementTime().hasValue()) {
            opts.measurementTime(TimeValue.seconds(1));
        }
        if (!cmd.verbosity().hasValue()) {
            opts.verbosity(VerboseMode.SILENT);
        }
        System.out.println(header(args));
        long start = System.nanoTime();
        Collection<RunResult> results = new Runner(opts.build()).run();
        System.out.println(table(results));
        System.out.printf(
                "%d benchmarks in %d s%n", results.size(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }

    /** One row per benchmark, grouped by class and params, floor last, ratio = floor / subject. */
    static String table(Collection<RunResult> results) {
        Map<String, List<RunResult>> groups = new TreeMap<>();
        for (RunResult r : results) {
            groups.computeIfAbsent(groupKey(r.getParams()), k -> new ArrayList<>())
                    .add(r);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                "%-44s %14s %10s %14s %8s %14s%n", "benchmark", "subject", "+/-", "floor", "ratio", "over floor"));
        for (Map.Entry<String, List<RunResult>> g : groups.entrySet()) {
            Result<?> floor = null;
            for (RunResult r : g.getValue()) {
                if (method(r.getParams()).equals(FLOOR)) {
                    floor = r.getPrimaryResult();
                }
            }
            List<RunResult> rows = new ArrayList<>(g.getValue());
            rows.sort((a, b) -> Boolean.compare(
                    method(a.getParams()).equals(FLOOR), method(b.getParams()).equals(FLOOR)));
            for (RunResult r : rows) {
                Result<?> s = r.getPrimaryResult();
                String unit = s.getScoreUnit();
                String name = g.getKey() + "." + method(r.getParams());
                boolean isFloor = method(r.getParams()).equals(FLOOR);
                String floorText = floor == null || isFloor ? "" : fmt(floor.getScore(), unit);
                String ratio = floor == null || isFloor ? "" : String.format("%.2f", floor.getScore() / s.getScore());
                String over = floor == null || isFloor ? "" : fmt(s.getScore() - floor.getScore(), unit);
                sb.append(String.format(
                        "%-44s %14s %10s %14s %8s %14s%n",
                        name,
                        fmt(s.getScore(), unit),
                        Double.isNaN(s.getScoreError()) ? "" : String.format("%.2f", s.getScoreError()),
                        floorText,
                        ratio,
                        over));
            }
        }
        sb.append("ratio = floor / subject (times): 1.00 = as fast as the floor; over floor = subject - floor.\n");
        sb.append("+/- is JMH's 99.9% error; with few iterations it is wide: compare ratios, not runs.");
        return sb.toString();
    }

    /** Class simple name plus its params, e.g. {@code ProtocolBenchmark[count=4]}. */
    static String groupKey(BenchmarkParams p) {
        String bench = p.getBenchmark();
        String cls = bench.substring(0, bench.lastIndexOf('.'));
        cls = cls.substring(cls.lastIndexOf('.') + 1);
        Map<String, String> params = new LinkedHashMap<>();
        for (String k : p.getParamsKeys()) {
            params.put(k, p.getParam(k));
        }
        return params.isEmpty()
                ? cls
                : cls + params.toString().replace('{', '[').replace('}', ']').replace(" ", "");
    }

    static String method(BenchmarkParams p) {
        String bench = p.getBenchmark();
        return bench.substring(bench.lastIndexOf('.') + 1);
    }

    static String fmt(double v, String unit) {
        return String.format("%.1f %s", v, unit);
    }

    static String header(String[] args) {
        String cpu = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("?");
        } catch (IOException ignored) {
            // not Linux: leave "?"
        }
        String load = "?";
        try {
            load = Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException ignored) {
            // not Linux
        }
        return String.format(
                "jvfio JMH microbenchmarks %s%n%s, %d CPUs, Java %s, load %s%nargs: %s%n",
                ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                cpu,
                Runtime.getRuntime().availableProcessors(),
                Runtime.version(),
                load,
                args.length == 0 ? "(defaults)" : String.join(" ", args));
    }
}
