package dev.jvfio.bench;

import dev.jvfio.device.VfioException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One benchmark run. The subjects run in child processes started as production starts jvfio
 * ({@code dev.jvfio.cli.Main serve}); the floors are an echo child over the same transport
 * ({@link EchoServer}) and plain memory copies in this process. Each row alternates floor and
 * subject round by round, so both see the same machine. Sequence:
 * <ol>
 *   <li>launch the echo child and a 96 GiB gh200 server, alternately, {@code launches} times:
 *       launch-to-ready time and idle resident memory (the last pair stays up);</li>
 *   <li>launch the trapped server (the sample device, one per client) and measure the trapped
 *       and bulk rows against the echo;</li>
 *   <li>launch servers of several devices and measure several clients at once against as many
 *       echo connections;</li>
 *   <li>map BAR4 of the gh200 in this process and measure the mapped rows against memory copies;</li>
 *   <li>touch {@code touchBytes} of BAR4 and read the server's resident memory again.</li>
 * </ol>
 * Each group is its own class ({@link FootprintGroup}, {@link SocketGroups} for trapped and bulk,
 * {@link ClientsGroup}, {@link MappedGroup}, {@link DmaGroup}); a row with a target gets more
 * rounds while its verdict is undecided ({@link AdaptiveRounds}); {@link Children} starts and
 * stops the child processes, {@link Table} and {@link JsonReport} print the report. This class runs the groups in order and
 * holds what they share: the options, the rows and notes, and {@link #alternate}.
 */
public final class Bench implements AutoCloseable {
    static final String SERVE_MAIN = "dev.jvfio.cli.Main";
    static final String ECHO = "an echo over the same AF_UNIX transport, same message sizes (child JVM)";
    static final String COPY = "MemorySegment.copy in this process, same sizes, from/to a memfd it maps itself";
    static final String BARE_JVM = "the echo child (a JVM with the transport, no device)";
    static final String GPU_MEMORY = "96G";
    static final String FALLBACK_MEMORY = "4G";
    static final long COPY_CHUNK = 1L << 20;
    static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    final BenchOptions o;
    private final PrintWriter progress;
    private final Path dir;
    final List<AutoCloseable> open = new ArrayList<>();
    private final Thread killer = new Thread(this::killChildren, "jvfio bench cleanup");
    final List<Row> rows = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    /** The run's child processes; set once pinning is decided. */
    volatile Children children;

    private boolean pinned;
    private Placement placement;

    private Bench(BenchOptions options, PrintWriter progress) throws IOException {
        this.o = options;
        this.progress = progress;
        this.dir = Files.createTempDirectory(Path.of("/tmp"), "jvb");
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /** Where the rows' working threads run (see {@link Placement}); null when not placed. */
    Placement placement() {
        return placement;
    }

    /** Whether --pin put every thread of the run on CPU 0. */
    boolean pinned() {
        return pinned;
    }

    /** Runs every row; progress lines go to {@code progress}. */
    public static BenchReport run(BenchOptions options, PrintWriter progress) throws IOException {
        try (Bench b = new Bench(options, progress)) {
            return b.runAll();
        } catch (VfioException e) {
            throw new IOException("the server refused a request: " + e.getMessage(), e);
        }
    }

    private BenchReport runAll() throws IOException, VfioException {
        Map<String, Object> machine = Machine.describe();
        busyUpFront(machine);
        if (o.pin()) {
            if (Pinning.available()) {
                open.add(Pinning.pinToCpu0());
                pinned = true;
            } else {
                notes.add("taskset not found: --pin had no effect");
            }
        }
        place();
        children = new Children(o, dir, pinned);
        FootprintGroup footprint = new FootprintGroup(this);
        FootprintGroup.Launched launched = footprint.launches();
        open.addAll(launched.gpuClients());
        if (o.measures("trapped") || o.measures("bulk")) {
            new SocketGroups(this)
                    .measure(launched.echoSockets(), launched.echo().pid());
            unplace();
        }
        if (o.measures("clients")) {
            unplace(); // the clients' threads start from this one and would inherit its CPU
            new ClientsGroup(this)
                    .measure(launched.echoSockets().getFirst(), launched.echo().pid());
        }
        if (o.measures("mapped")) {
            new MappedGroup(this).measure(launched.gpuClients());
        }
        if (o.measures("footprint")) {
            footprint.touched(launched);
        } else {
            rows.removeIf(r -> r.group().equals("footprint"));
        }
        if (o.measures("dma")) { // after the footprint rows: engine copies add to the server's RSS
            new DmaGroup(this, open)
                    .measure(launched.gpuClients(), launched.gpu().pid(), rows, notes);
            unplace();
        }
        if (o.measures("proxy")) {
            new ProxyGroup(this).measure();
            unplace();
        }
        if (o.measures("metrics")) {
            new MetricsGroup(this).measure();
            unplace();
        }
        if (o.measures("migration")) {
            new MigrationGroup(this)
                    .measure(launched.echoSockets().getFirst(), launched.echo().pid());
        }
        rows.sort(Comparator.comparingInt(r -> BenchOptions.GROUPS.indexOf(r.group())));
        return new BenchReport(machine, settings(), rows, notes);
    }

    /**
     * Watches the machine for half a second before anything starts and says up front when it is
     * too busy for the verdicts to be decided, and how the run will spend its time on that.
     */
    private void busyUpFront(Map<String, Object> machine) {
        Busy busy = Busy.sample(BUSY_SAMPLE_MILLIS);
        String seen = busy.describe();
        if (busy.busy()) {
            String budget = o.decideBudget().isZero()
                    ? "--decide-budget 0: no rounds are added"
                    : "each undecided row gets up to " + o.decideBudget().toMillis() / 1000.0
                            + " s of added rounds (--decide-budget)";
            say("the machine is busy (" + seen + "): " + BUSY_ADVICE + "; " + budget);
            machine.put("busy", "yes (" + seen + ")");
        } else if (!seen.isEmpty()) {
            machine.put("busy", "no (" + seen + ")");
        }
    }

    static final long BUSY_SAMPLE_MILLIS = 500;
    static final String BUSY_ADVICE =
            "rounds of subject and floor wait for CPUs at random, so verdicts may stay" + " undecided";

    /** This thread back on its CPUs after placed rows (children it starts inherit its affinity). */
    private void unplace() throws IOException {
        if (placement != null) {
            placement.thisThreadBack();
        }
    }

    /** Decides the placement of the rows' working threads, and says so in a note. */
    private void place() throws IOException {
        String unplaced = null;
        if (pinned) {
            unplaced = null; // --pin: everything is on CPU 0 already
        } else if (o.clients() > 1) {
            unplaced = o.clients() + " clients keep every CPU busy";
        } else if (!Pinning.available()) {
            unplaced = "taskset not found";
        } else {
            placement = Placement.forThisThread();
            if (placement == null) {
                unplaced = "this process may use one CPU only";
            } else {
                open.add(placement);
                notes.add("placed: in socket rows the client (this thread) runs on CPU " + placement.lowCpu()
                        + " and the serving thread (server session, echo connection) on CPU " + placement.highCpu()
                        + "; in dma rows the copying thread (the engine's worker, the floor's copy) on CPU "
                        + placement.highCpu()
                        + "; the same for a subject and its floor: vCPUs can differ (docs/benchmarks.md)");
            }
        }
        if (unplaced != null) {
            notes.add("not placed (" + unplaced
                    + "): each ratio also compares the CPUs its two sides happened to run on");
        }
    }

    private Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("duration", o.duration().toMillis() + "ms per row and side");
        s.put("rounds", o.rounds());
        s.put("warmup", o.warmup().toMillis() + "ms");
        s.put("clients", o.clients());
        s.put("client", o.spin() ? "busy-polling" : "blocking");
        s.put(
                "irq-wait",
                o.spin() ? "busy-polling" : o.haltPoll().toNanos() / 1000 + "us poll, then sleep (--halt-poll)");
        s.put("pinned", pinned ? "all on CPU 0" : "no");
        s.put("sizes", o.sizes().stream().map(Text::size).toList());
        s.put("mapped-window", Text.size(o.mappedWindow()));
        s.put("touch", Text.size(o.touchBytes()));
        s.put("launches", o.launches());
        s.put("decide-budget", o.decideBudget().toMillis() + "ms per undecided row");
        if (o.groups().size() < BenchOptions.GROUPS.size()) {
            s.put("groups", BenchOptions.GROUPS.stream().filter(o::measures).toList());
        }
        if (!o.serverJavaOptions().isEmpty()) {
            s.put("child-jvm-options", o.serverJavaOptions());
        }
        return s;
    }

    /**
     * Warms both sides up, then runs their rounds alternately (floor first in even rounds); a row
     * with a ratio target ({@code minRatio}, NaN for none) gets more rounds while undecided.
     */
    Rounds alternate(Side floor, Side subject, double minRatio) throws IOException, VfioException {
        long warm = o.warmup().toNanos();
        floor.warmUp(warm);
        subject.warmUp(warm);
        return rounds(floor, subject, minRatio, alternating(floor, subject));
    }

    /** Longest a side's warm-up is extended while the JIT compilers are still busy. */
    static final long SETTLE_MAX_NANOS = 2_000_000_000L;

    static final long SETTLE_SLICE_NANOS = 100_000_000L;

    /**
     * As {@link #alternate(Side, Side, double)} for sides served by child processes: after the
     * warm-up each side keeps warming up in 100 ms slices until the JIT compiler threads of its
     * child and of this process used at most one clock tick in a slice (at most 2 s more). The
     * trapped server starts right before its rows and has far more code to compile than the echo;
     * at load 10+ its compilers still ran through the first rounds (0.5 s of compiler CPU while
     * serving them) and a config-read round fell to 300-3,000 round trips/s against the echo's 8-40k.
     */
    Rounds alternate(String what, Side floor, long floorPid, Side subject, long subjectPid, double minRatio)
            throws IOException, VfioException {
        long warm = o.warmup().toNanos();
        floor.warmUp(warm);
        long floorMore = warm > 0 ? settle(floor, floorPid) : 0;
        subject.warmUp(warm);
        long subjectMore = warm > 0 ? settle(subject, subjectPid) : 0;
        if (floorMore + subjectMore > 0) {
            notes.add(what + ": warm-up extended by " + subjectMore + " ms (subject) and " + floorMore
                    + " ms (floor) until the JIT compilers were quiet");
        }
        return rounds(floor, subject, minRatio, alternating(floor, subject));
    }

    /**
     * As {@link #alternate(String, Side, long, Side, long, double)}, but floor and subject run
     * {@link Interleaved}: operation by operation in one loop, each round twice the round length
     * (so each side is measured about as long as in alternating rounds); {@code setup} runs before
     * the warm-up and each round (the sides' own setups do not run).
     */
    Rounds interleave(
            String what, Side floor, long floorPid, Side subject, long subjectPid, double minRatio, Side.Setup setup)
            throws IOException, VfioException {
        Interleaved pair = new Interleaved(floor, subject, setup);
        long warm = o.warmup().toNanos();
        pair.combined().warmUp(warm);
        long more = warm > 0 ? settle(pair.combined(), floorPid, subjectPid) : 0;
        if (more > 0) {
            notes.add(what + ": warm-up extended by " + more + " ms until the JIT compilers were quiet");
        }
        long round = 2 * o.roundLength().toNanos();
        double floorCpu = ProcStatus.cpuMillis(floorPid);
        double subjectCpu = ProcStatus.cpuMillis(subjectPid);
        Rounds used = rounds(floor, subject, minRatio, r -> pair.round(round));
        floorCpu = ProcStatus.cpuMillis(floorPid) - floorCpu;
        subjectCpu = ProcStatus.cpuMillis(subjectPid) - subjectCpu;
        String cpu = Interleaved.cpuNote(what, subject, subjectCpu, floor, floorCpu, pair.measuredOperations());
        if (cpu != null) {
            notes.add(cpu);
        }
        return used;
    }

    /** Warms a side up until compilation settles; returns the extra milliseconds spent. */
    private static long settle(Side side, long... pids) throws IOException, VfioException {
        long self = ProcessHandle.current().pid();
        long spent = 0;
        double before = compilerCpuMillis(self, pids);
        while (spent < SETTLE_MAX_NANOS) {
            side.warmUp(SETTLE_SLICE_NANOS);
            spent += SETTLE_SLICE_NANOS;
            double after = compilerCpuMillis(self, pids);
            if (after - before <= 10) {
                return (spent - SETTLE_SLICE_NANOS) / 1_000_000;
            }
            before = after;
        }
        return spent / 1_000_000;
    }

    private static double compilerCpuMillis(long self, long... pids) {
        double sum = ProcStatus.compilerCpuMillis(self);
        for (long pid : pids) {
            sum += ProcStatus.compilerCpuMillis(pid);
        }
        return sum;
    }

    /** Rounds that alternate side by side, the floor first in even rounds. */
    private AdaptiveRounds.Source alternating(Side floor, Side subject) {
        long round = o.roundLength().toNanos();
        return r -> {
            Side first = r % 2 == 0 ? floor : subject;
            Side second = first == floor ? subject : floor;
            first.round(round);
            second.round(round);
        };
    }

    /**
     * The measured rounds of {@code source}; with a ratio target, pairs of rounds are added while
     * the paired ratio's interval spans it and the budget lasts.
     */
    private Rounds rounds(Side floor, Side subject, double minRatio, AdaptiveRounds.Source source)
            throws IOException, VfioException {
        Busy.CpuTimes before = Busy.CpuTimes.read();
        Rounds used = Double.isNaN(minRatio)
                ? AdaptiveRounds.fixed(o.rounds(), source)
                : AdaptiveRounds.run(
                        o.rounds(),
                        o.decideBudget().toNanos(),
                        source,
                        () -> Target.ratioAtLeast(minRatio, Spread.paired(subject.rates(), floor.rates(), true))
                                .roundsToDecide(),
                        System::nanoTime);
        Busy.CpuTimes after = Busy.CpuTimes.read();
        return used.withSteal(after == null ? Double.NaN : after.stealSince(before));
    }

    private void killChildren() {
        Children c = children;
        if (c != null) {
            c.killChildren();
        }
    }

    static void closeAll(List<? extends AutoCloseable> list) {
        for (AutoCloseable c : list.reversed()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing is best effort
            }
        }
    }

    @Override
    public void close() {
        closeAll(open);
        open.clear();
        killChildren();
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException ignored) {
            // already shutting down: the hook runs anyway
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }

    // ---------------------------------------------------------------- small things

    void say(String line) {
        progress.println("bench: " + line);
        progress.flush();
    }
}
