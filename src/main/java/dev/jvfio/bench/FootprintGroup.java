package dev.jvfio.bench;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.PageSize;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The footprint rows: launch-to-ready time, CPU until ready and idle resident memory of a 96 GiB
 * gh200 server beside the echo child (launched alternately, {@code launches} times; the last pair
 * stays up for the other groups), and the server's resident memory after the client wrote
 * {@code touchBytes} of BAR4 through its own mapping.
 */
final class FootprintGroup {
    private final Bench b;

    FootprintGroup(Bench bench) {
        this.b = bench;
    }

    /** The echo child and gh200 server of the last launch, which stay up for the other groups. */
    record Launched(
            ChildJvm echo, List<Path> echoSockets, ChildJvm gpu, List<VfioUserClient> gpuClients, double echoRssMiB) {}

    private final List<Double> echoReady = new ArrayList<>();
    private final List<Double> gpuReady = new ArrayList<>();
    private final List<Double> echoRss = new ArrayList<>();
    private final List<Double> gpuRss = new ArrayList<>();
    private final List<Double> echoCpu = new ArrayList<>();
    private final List<Double> gpuCpu = new ArrayList<>();
    private final List<Double> echoRunning = new ArrayList<>();
    private final List<Double> gpuRunning = new ArrayList<>();
    private ChildJvm echo;
    private ChildJvm gpu;
    private List<Path> echoSockets;
    private List<VfioUserClient> gpuClients = List.of();
    private ProcStatus gpuStatus;
    /** Launches before any is added for an undecided ready verdict. */
    private int planned;

    /** The ready limit: a user waits this long at most for a served GPU. */
    static final double READY_LIMIT_MS = 1000;
    /** Resident memory of a 96 GiB GH200 server, idle and after the client touched its memory. */
    static final double RSS_LIMIT_MIB = 128;

    /**
     * Alternates echo and gh200 launches; keeps the last of each running. While the ready verdict
     * is undecided, launches are added within the decide budget ({@link AdaptiveRounds}).
     */
    Launched launches() throws IOException, VfioException {
        // without the footprint rows one launch gives the other groups their echo child and server
        boolean judged = b.o.measures("footprint");
        planned = judged ? b.o.launches() : 1;
        Rounds launches = AdaptiveRounds.run(
                planned,
                judged ? b.o.decideBudget().toNanos() : 0,
                this::launch,
                () -> judged ? readyTarget().roundsToDecide() : 0,
                System::nanoTime);
        String perDevices = b.o.clients() == 1 ? "" : ", " + b.o.clients() + " dev";
        Rounds fixed = Rounds.fixed(launches.used());
        b.rows.add(Rows.row(
                "footprint.ready",
                "footprint",
                "launch to socket ready" + perDevices,
                "ms",
                false,
                Stat.of(gpuReady, false),
                Stat.of(echoReady, false),
                "the echo child's launch to first echo",
                null,
                null,
                launches,
                r -> readyTarget()));
        if (unqueuedKnown()) {
            b.rows.add(Rows.row(
                    "footprint.ready-unqueued",
                    "footprint",
                    "  less main thread's CPU wait" + perDevices,
                    "ms",
                    false,
                    Stat.of(gpuRunning, false),
                    Stat.of(echoRunning, false),
                    "the echo child's, the same way",
                    null,
                    null,
                    fixed,
                    r -> null));
        } else {
            b.notes.add(
                    "footprint: no /proc/PID/task/TID/schedstat: the ready target is judged on the wall time alone");
        }
        b.rows.add(Rows.row(
                "footprint.ready-cpu",
                "footprint",
                "CPU time used until ready" + perDevices,
                "ms",
                false,
                Stat.of(gpuCpu, false),
                Stat.of(echoCpu, false),
                "the echo child's CPU time until its first echo",
                null,
                null,
                fixed,
                r -> null));
        b.rows.add(Rows.row(
                "footprint.rss-idle",
                "footprint",
                "RSS " + Bench.GPU_MEMORY + " gh200 idle" + perDevices,
                "MiB",
                false,
                Stat.of(gpuRss, false),
                Stat.of(echoRss, false),
                Bench.BARE_JVM,
                null,
                null,
                fixed,
                r -> Target.atMost(RSS_LIMIT_MIB, "MiB", Interval.ofReadings(gpuRss))));
        b.notes.add("server memory idle (last launch): " + gpuStatus.describe());
        return new Launched(echo, echoSockets, gpu, gpuClients, echoRss.getLast());
    }

    /** Launch {@code index}: the echo child, then a gh200 server; the previous pair is stopped first. */
    private void launch(int index) throws IOException, VfioException {
        b.say("launch " + (index + 1) + (index < planned ? "/" + planned : " (added: ready undecided)")
                + ": echo child, then a " + Bench.GPU_MEMORY + " gh200 server with " + b.o.clients() + " device"
                + (b.o.clients() == 1 ? "" : "s"));
        b.children.stop(echo);
        echoSockets = b.children.sockets("e" + index);
        List<String> echoArgs = echoSockets.stream().map(Path::toString).toList();
        echo = b.children.child("echo", EchoServer.class.getName(), echoArgs);
        try (EchoLane lane = b.children.awaitEcho(echo, echoSockets)) {
            echoReady.add(Text.millisSince(echo.launchedNanos()));
            echoRunning.add(unqueued(echoReady.getLast(), echo.pid()));
            echoCpu.add(ProcStatus.cpuMillis(echo.pid()));
        }
        echoRss.add(Text.mib(ProcStatus.of(echo.pid()).vmRss()));

        Bench.closeAll(gpuClients);
        b.children.stop(gpu);
        List<Path> gpuSockets = b.children.sockets("g" + index);
        gpu = b.children.serve("gh200", List.of("--profile", "gh200", "--mem-size", Bench.GPU_MEMORY), gpuSockets);
        gpuClients = b.children.awaitServe(gpu, gpuSockets);
        gpuReady.add(Text.millisSince(gpu.launchedNanos()));
        gpuRunning.add(unqueued(gpuReady.getLast(), gpu.pid()));
        gpuCpu.add(ProcStatus.cpuMillis(gpu.pid()));
        for (VfioUserClient c : gpuClients) {
            c.regionInfo(Vfio.PCI_BAR4_REGION_INDEX); // the idle client holds BAR4's fd, as QEMU would
        }
        gpuStatus = ProcStatus.of(gpu.pid());
        gpuRss.add(Text.mib(gpuStatus.vmRss()));
    }

    private boolean unqueuedKnown() {
        return !gpuRunning.isEmpty() && gpuRunning.stream().allMatch(ms -> ms >= 0);
    }

    /** The ready verdict on the launches so far (see {@link Target#timeAtMost}). */
    private Target readyTarget() {
        return Target.timeAtMost(
                READY_LIMIT_MS,
                "ms",
                Interval.of(gpuReady),
                unqueuedKnown() ? Interval.of(gpuRunning) : null,
                floorCpus(echoCpu, echoReady),
                BUSY_BELOW);
    }

    /**
     * A floor launch that got fewer CPUs than this on average (CPU time until ready over wall time)
     * shared the machine: a bare JVM starting alone on an idle 2-vCPU VM used 1.2-1.4 (JIT threads
     * beside the main one), at load 2-3.5 on the same VM 0.6-0.75; one CPU can give at most 1.
     */
    static final double BUSY_BELOW = Math.min(1.0, 0.8 * Runtime.getRuntime().availableProcessors());

    /** The median of the floor's CPU time over its launch-to-ready time, per launch. */
    private static double floorCpus(List<Double> cpuMillis, List<Double> readyMillis) {
        List<Double> ratio = new ArrayList<>();
        for (int i = 0; i < cpuMillis.size(); i++) {
            ratio.add(cpuMillis.get(i) / readyMillis.get(i));
        }
        return Stat.of(ratio, true).median();
    }

    /**
     * Launch-to-ready time less the time the child's Java main thread spent waiting for a CPU
     * (at load 2 on 2 CPUs a launch waited ~0.8 s of its ~1.4 s); -1 without schedstat.
     */
    private static double unqueued(double readyMillis, long pid) throws IOException {
        double wait = ProcStatus.mainThreadWaitMillis(pid);
        return wait < 0 ? -1 : Math.max(0, readyMillis - wait);
    }

    /** The last footprint row: the server's resident memory after the client wrote BAR4. */
    void touched(Launched l) throws IOException, VfioException {
        VfioUserClient c = l.gpuClients().getFirst();
        RegionInfo bar4 = c.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
        SparseArea area = MappedGroup.mappableArea(bar4);
        long bytes = Math.min(b.o.touchBytes(), PageSize.system().roundDown(area.size()));
        if (bytes < b.o.touchBytes()) {
            b.notes.add("only " + Text.size(bytes) + " of BAR4 can be mapped; touched that much");
        }
        if (bytes > 0) {
            b.say("footprint: the client writes " + Text.size(bytes) + " of BAR4");
            try (MappedMemory m = VfioUserClient.mapRegion(bar4, area.offset(), bytes, true)) {
                m.segment().fill((byte) 0xA5);
            }
        }
        ProcStatus s = ProcStatus.of(l.gpu().pid());
        ProcStatus e = ProcStatus.of(l.echo().pid());
        b.notes.add("server memory after the client touched " + Text.size(bytes) + ": " + s.describe());
        b.rows.add(Rows.row(
                "footprint.rss-touched",
                "footprint",
                "RSS after client touched " + Text.size(bytes),
                "MiB",
                false,
                Stat.of(List.of(Text.mib(s.vmRss())), false),
                Stat.of(List.of(Text.mib(e.vmRss())), false),
                Bench.BARE_JVM,
                null,
                null,
                Rounds.fixed(1),
                r -> Target.atMost(RSS_LIMIT_MIB, "MiB", Interval.exact(Text.mib(s.vmRss())))));
    }
}
