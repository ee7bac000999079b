package dev.jvfio.bench;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.os.PageSize;
import dev.jvfio.protocol.RegionAccessMessage;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
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
 *   <li>map BAR4 of the gh200 in this process and measure the mapped rows against memory copies;</li>
 *   <li>touch {@code touchBytes} of BAR4 and read the server's resident memory again.</li>
 * </ol>
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

    private final BenchOptions o;
    private final PrintWriter progress;
    private final Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<ChildJvm> children = new ArrayList<>();
    private final Thread killer = new Thread(this::killChildren, "jvfio bench cleanup");
    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private boolean pinned;
    private int logs;

    private Bench(BenchOptions options, PrintWriter progress) throws IOException {
        this.o = options;
        this.progress = progress;
        this.dir = Files.createTempDirectory(Path.of("/tmp"), "jvb");
        Runtime.getRuntime().addShutdownHook(killer);
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
        if (o.pin()) {
            if (Pinning.available()) {
                open.add(Pinning.pinToCpu0());
                pinned = true;
            } else {
                notes.add("taskset not found: --pin had no effect");
            }
        }
        Launched launched = launches();
        open.addAll(launched.gpuClients());
        if (o.measures("trapped") || o.measures("bulk")) {
            trappedAndBulk(launched.echoSockets());
        }
        if (o.measures("mapped")) {
            mapped(launched.gpuClients());
        }
        if (o.measures("footprint")) {
            touched(launched);
        } else {
            rows.removeIf(r -> r.group().equals("footprint"));
        }
        if (o.measures("dma")) { // after the footprint rows: engine copies add to the server's RSS
            new DmaGroup(this, open).measure(launched.gpuClients(), rows, notes);
        }
        rows.sort(Comparator.comparingInt(r -> BenchOptions.GROUPS.indexOf(r.group())));
        return new BenchReport(machine, settings(), rows, notes);
    }

    private Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("duration", o.duration().toMillis() + "ms per row and side");
        s.put("rounds", o.rounds());
        s.put("warmup", o.warmup().toMillis() + "ms");
        s.put("clients", o.clients());
        s.put("client", o.spin() ? "busy-polling" : "blocking");
        s.put("pinned", pinned ? "all on CPU 0" : "no");
        s.put("sizes", o.sizes().stream().map(Bench::size).toList());
        s.put("mapped-window", size(o.mappedWindow()));
        s.put("touch", size(o.touchBytes()));
        s.put("launches", o.launches());
        if (o.groups().size() < BenchOptions.GROUPS.size()) {
            s.put("groups", BenchOptions.GROUPS.stream().filter(o::measures).toList());
        }
        if (!o.serverJavaOptions().isEmpty()) {
            s.put("child-jvm-options", o.serverJavaOptions());
        }
        return s;
    }

    // ---------------------------------------------------------------- footprint: launches

    private record Launched(ChildJvm echo, List<Path> echoSockets, ChildJvm gpu, List<VfioUserClient> gpuClients,
                            double echoRssMiB) {}

    /** Alternates echo and gh200 launches; keeps the last of each running. */
    private Launched launches() throws IOException, VfioException {
        List<Double> echoReady = new ArrayList<>();
        List<Double> gpuReady = new ArrayList<>();
        List<Double> echoRss = new ArrayList<>();
        List<Double> gpuRss = new ArrayList<>();
        List<Double> echoCpu = new ArrayList<>();
        List<Double> gpuCpu = new ArrayList<>();
        ChildJvm echo = null;
        ChildJvm gpu = null;
        List<Path> echoSockets = null;
        List<VfioUserClient> gpuClients = List.of();
        ProcStatus gpuStatus = null;
        for (int launch = 0; launch < o.launches(); launch++) {
            say("launch " + (launch + 1) + "/" + o.launches() + ": echo child, then a " + GPU_MEMORY
                    + " gh200 server with " + o.clients() + " device" + (o.clients() == 1 ? "" : "s"));
            stop(echo);
            echoSockets = sockets("e" + launch);
            List<String> echoArgs = echoSockets.stream().map(Path::toString).toList();
            echo = child("echo", EchoServer.class.getName(), echoArgs);
            try (EchoLane lane = awaitEcho(echo, echoSockets)) {
                echoReady.add(millisSince(echo.launchedNanos()));
                echoCpu.add(ProcStatus.cpuMillis(echo.pid()));
            }
            echoRss.add(mib(ProcStatus.of(echo.pid()).vmRss()));

            closeAll(gpuClients);
            stop(gpu);
            List<Path> gpuSockets = sockets("g" + launch);
            gpu = serve("gh200", List.of("--profile", "gh200", "--mem-size", GPU_MEMORY), gpuSockets);
            gpuClients = awaitServe(gpu, gpuSockets);
            gpuReady.add(millisSince(gpu.launchedNanos()));
            gpuCpu.add(ProcStatus.cpuMillis(gpu.pid()));
            for (VfioUserClient c : gpuClients) {
                c.regionInfo(Vfio.PCI_BAR4_REGION_INDEX); // the idle client holds BAR4's fd, as QEMU would
            }
            gpuStatus = ProcStatus.of(gpu.pid());
            gpuRss.add(mib(gpuStatus.vmRss()));
        }
        String perDevices = o.clients() == 1 ? "" : ", " + o.clients() + " dev";
        rows.add(row("footprint.ready", "footprint", "launch to socket ready" + perDevices, "ms", false,
                Stat.of(gpuReady, false), Stat.of(echoReady, false), "the echo child's launch to first echo",
                null, null, r -> Target.below(1000, "ms", r.subject().median())));
        rows.add(row("footprint.ready-cpu", "footprint", "CPU time used until ready" + perDevices, "ms", false,
                Stat.of(gpuCpu, false), Stat.of(echoCpu, false), "the echo child's CPU time until its first echo",
                null, null, r -> null));
        rows.add(row("footprint.rss-idle", "footprint", "RSS " + GPU_MEMORY + " gh200 idle" + perDevices, "MiB",
                false, Stat.of(gpuRss, false), Stat.of(echoRss, false), BARE_JVM, null, null,
                r -> Target.below(128, "MiB", r.subject().median())));
        notes.add("server memory idle (last launch): " + gpuStatus.describe());
        return new Launched(echo, echoSockets, gpu, gpuClients, echoRss.getLast());
    }

    // ---------------------------------------------------------------- trapped and bulk

    /**
     * One server process with the trapped devices (the sample, one per client) and the bulk devices
     * (a small gh200 per client: the sample's 16 KiB BAR0 cannot take 1 MiB transfers), from a
     * JSON config. If the sample cannot be served, the gh200s serve the trapped rows too.
     */
    private void trappedAndBulk(List<Path> echoSockets) throws IOException, VfioException {
        List<Path> trappedSockets = sockets("t");
        List<Path> bulkSockets = sockets("b");
        String profile = o.trappedProfile();
        ChildJvm server;
        List<VfioUserClient> clients;
        try {
            say("starting a server with " + o.clients() + " " + profile + " and " + o.clients() + " "
                    + FALLBACK_MEMORY + " gh200 devices for the trapped and bulk rows");
            server = serveConfig("trapped", devices(profile, trappedSockets, bulkSockets));
            clients = awaitServe(server, concat(trappedSockets, bulkSockets));
        } catch (IOException e) {
            notes.add("the " + profile + " device could not be served (" + firstLine(e.getMessage())
                    + "); the trapped rows use the " + FALLBACK_MEMORY + " gh200 too");
            bulkSockets = sockets("c");
            say("starting a server with " + FALLBACK_MEMORY + " gh200 devices only");
            server = serveConfig("bulk", devices(null, List.of(), bulkSockets));
            clients = awaitServe(server, bulkSockets);
            List<VfioUserClient> both = new ArrayList<>(clients);
            both.addAll(clients);
            clients = both;
        }
        try {
            int n = o.clients();
            measureTrapped(clients.subList(0, n), clients.subList(n, 2 * n), echoSockets);
        } finally {
            closeAll(clients);
            stop(server); // gone before the mapped rows, so it takes no CPU from them
        }
    }

    /** The JSON config of the trapped/bulk server (devices in socket order). */
    private static String devices(String trappedProfile, List<Path> trappedSockets, List<Path> bulkSockets) {
        StringBuilder sb = new StringBuilder("{\"devices\": [");
        String sep = "";
        for (int i = 0; i < trappedSockets.size(); i++) {
            sb.append(sep).append("{\"name\": \"trapped").append(i).append("\", \"profile\": \"")
                    .append(trappedProfile).append("\", \"socket\": \"").append(trappedSockets.get(i)).append("\"}");
            sep = ", ";
        }
        for (int i = 0; i < bulkSockets.size(); i++) {
            sb.append(sep).append("{\"name\": \"bulk").append(i).append("\", \"profile\": \"gh200\", \"mem-size\": \"")
                    .append(FALLBACK_MEMORY).append("\", \"socket\": \"").append(bulkSockets.get(i)).append("\"}");
            sep = ", ";
        }
        return sb.append("]}").toString();
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private void measureTrapped(List<VfioUserClient> trappedClients, List<VfioUserClient> bulkClients,
                                List<Path> echoSockets) throws IOException, VfioException {
        for (VfioUserClient c : concat(trappedClients, bulkClients)) {
            DeviceTargets.enableMemory(c);
            c.busyPoll(o.spin());
        }
        long max = bulkClients.getFirst().maxTransfer();
        List<Long> sizes = new ArrayList<>();
        for (long s : o.sizes()) {
            if (s <= max) {
                sizes.add(s);
            } else {
                notes.add("bulk size " + size(s) + " skipped: above the negotiated max_data_xfer_size " + size(max));
            }
        }
        long largest = sizes.stream().mapToLong(Long::longValue).max().orElse(4);
        DeviceTargets.Access w = DeviceTargets.trappedWrite(trappedClients.getFirst());
        DeviceTargets.Access bulkAt = DeviceTargets.bulk(bulkClients.getFirst(), largest);
        notes.add("trapped writes: " + w.describe() + "; bulk transfers: " + bulkAt.describe());
        if (o.measures("trapped")) {
            trappedRows(trappedClients, echoSockets, w);
        }
        if (o.measures("bulk")) {
            bulkRows(bulkClients, echoSockets, sizes, bulkAt);
        }
    }

    private void trappedRows(List<VfioUserClient> trappedClients, List<Path> echoSockets, DeviceTargets.Access w)
            throws IOException, VfioException {
        int access = RegionAccessMessage.SIZE;
        say("trapped: 4-byte config-space reads");
        rows.add(trapped("trapped.config-read", "config read 4 B", access, access + 4, echoSockets, trappedClients,
                c -> {
                    MemorySegment buf = Arena.ofAuto().allocate(4, 4);
                    return () -> expect(c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, buf), 4);
                }));
        say("trapped: 4-byte BAR writes");
        rows.add(trapped("trapped.bar-write", "BAR" + w.region() + " write 4 B", access + 4, access,
                echoSockets, trappedClients, c -> {
                    MemorySegment buf = Arena.ofAuto().allocate(4, 4);
                    expect(c.read(w.region(), w.offset(), buf), 4); // write back what is there
                    return () -> expect(c.write(w.region(), w.offset(), buf), 4);
                }));
    }

    private void bulkRows(List<VfioUserClient> bulkClients, List<Path> echoSockets, List<Long> sizes,
                          DeviceTargets.Access bulkAt) throws IOException, VfioException {
        int access = RegionAccessMessage.SIZE;
        for (long s : sizes) {
            int n = (int) s;
            say("bulk: " + size(s) + " reads and writes");
            rows.add(bulk("bulk.read." + size(s), "read " + size(s), access, access + n, n, echoSockets,
                    bulkClients, c -> {
                        MemorySegment buf = Arena.ofAuto().allocate(n, 8);
                        return () -> expect(c.read(bulkAt.region(), bulkAt.offset(), buf), n);
                    }, s == BenchOptions.MIB ? 0.85 : Double.NaN));
            rows.add(bulk("bulk.write." + size(s), "write " + size(s), access + n, access, n, echoSockets,
                    bulkClients, c -> {
                        MemorySegment buf = Arena.ofAuto().allocate(n, 8);
                        return () -> expect(c.write(bulkAt.region(), bulkAt.offset(), buf), n);
                    }, Double.NaN));
        }
    }

    private Row trapped(String id, String label, int request, int reply, List<Path> echoSockets,
                        List<VfioUserClient> clients, LaneFactory subject) throws IOException, VfioException {
        List<EchoLane> echo = echoLanes(echoSockets, request, reply);
        try {
            Side floor = new Side("echo", List.copyOf(echo), true);
            Side jvfio = new Side("jvfio", subjectLanes(clients, subject), true);
            alternate(floor, jvfio);
            return row(id, "trapped", label, "rt/s", true, Stat.of(jvfio.rates(), true), Stat.of(floor.rates(), true),
                    ECHO, Latency.of(jvfio.latencies()), Latency.of(floor.latencies()),
                    r -> Target.ratioAtLeast(0.9, r.ratio()));
        } finally {
            closeAll(echo);
        }
    }

    private Row bulk(String id, String label, int request, int reply, int payload, List<Path> echoSockets,
                     List<VfioUserClient> clients, LaneFactory subject, double minRatio)
            throws IOException, VfioException {
        List<EchoLane> echo = echoLanes(echoSockets, request, reply);
        try {
            Side floor = new Side("echo", List.copyOf(echo), false);
            Side jvfio = new Side("jvfio", subjectLanes(clients, subject), false);
            alternate(floor, jvfio);
            double mb = payload / 1e6;
            return row(id, "bulk", label, "MB/s", true, Stat.of(jvfio.rates(), true).scaled(mb),
                    Stat.of(floor.rates(), true).scaled(mb), ECHO, null, null,
                    Double.isNaN(minRatio) ? r -> null : r -> Target.ratioAtLeast(minRatio, r.ratio()));
        } finally {
            closeAll(echo);
        }
    }

    private List<EchoLane> echoLanes(List<Path> echoSockets, int request, int reply) throws IOException {
        List<EchoLane> lanes = new ArrayList<>();
        try {
            for (Path s : echoSockets) {
                lanes.add(EchoLane.open(s, request, reply, o.spin()));
            }
            return lanes;
        } catch (IOException | RuntimeException e) {
            closeAll(lanes);
            throw e;
        }
    }

    /** Makes one client's {@link Op} (may talk to the server to prepare it). */
    private interface LaneFactory {
        Op create(VfioUserClient client) throws IOException, VfioException;
    }

    private static List<Op> subjectLanes(List<VfioUserClient> clients, LaneFactory subject)
            throws IOException, VfioException {
        List<Op> lanes = new ArrayList<>();
        for (VfioUserClient c : clients) {
            lanes.add(subject.create(c));
        }
        return lanes;
    }

    private static void expect(int got, int wanted) throws IOException {
        if (got != wanted) {
            throw new IOException("the server transferred " + got + " of " + wanted + " bytes");
        }
    }

    // ---------------------------------------------------------------- mapped

    private void mapped(List<VfioUserClient> gpuClients) throws IOException, VfioException {
        List<MemorySegment> windows = new ArrayList<>();
        long window = o.mappedWindow();
        for (VfioUserClient c : gpuClients) {
            RegionInfo bar4 = c.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
            SparseArea area = mappableArea(bar4);
            window = Math.min(window, area.size() / COPY_CHUNK * COPY_CHUNK);
            MappedMemory m = VfioUserClient.mapRegion(bar4, area.offset(), window, true);
            open.add(m);
            windows.add(m.segment());
        }
        Arena arena = Arena.ofShared();
        open.add(arena);
        List<MemorySegment> plain = new ArrayList<>();
        say("mapped: touching " + size(window) + " of BAR4 per device and as much plain memory for the floor");
        // First touch, outside the rounds. Both sides' pages come into existence interleaved, chunk by
        // chunk: on this VM memory touched later streams faster (by 15-20%, either way round), so
        // touching one side first would decide the ratio instead of the mapping.
        long touchNanos = 0;
        for (int i = 0; i < windows.size(); i++) {
            windows.set(i, windows.get(i).asSlice(0, window));
            // the floor's window is the same kind of memory (a memfd of this process, mapped shared):
            // private anonymous memory streams ~15% slower than shmem on this VM
            Fd floorFile = Memfd.create("bench-floor-" + i, window);
            MappedMemory floorMap = MappedMemory.map(floorFile, 0, window, true);
            floorFile.close();
            open.add(floorMap);
            plain.add(floorMap.segment());
            for (long at = 0; at < window; at += COPY_CHUNK) {
                long t0 = System.nanoTime();
                windows.get(i).asSlice(at, COPY_CHUNK).fill((byte) 0x5A);
                touchNanos += System.nanoTime() - t0;
                plain.get(i).asSlice(at, COPY_CHUNK).fill((byte) 0x5A);
            }
        }
        double firstTouch = touchNanos / 1e9;
        notes.add(String.format(Locale.ROOT, "first touch of BAR4 through the mapping (page faults): %.2f GB/s",
                window * windows.size() / firstTouch / 1e9));
        for (boolean read : new boolean[] {true, false}) {
            String what = read ? "read" : "write";
            say("mapped: BAR4 " + what + "s in " + size(COPY_CHUNK) + " copies");
            List<Op> floorLanes = new ArrayList<>();
            List<Op> subjectLanes = new ArrayList<>();
            for (int i = 0; i < windows.size(); i++) {
                // the same small page-aligned buffer for both sides
                MemorySegment local = arena.allocate(COPY_CHUNK, PageSize.system().bytes());
                floorLanes.add(new CopyLane(plain.get(i), local, read));
                subjectLanes.add(new CopyLane(windows.get(i), local, read));
            }
            Side floor = new Side("copy", floorLanes, false);
            Side jvfio = new Side("mapped", subjectLanes, false);
            alternate(floor, jvfio);
            double gb = COPY_CHUNK / 1e9;
            rows.add(row("mapped." + what, "mapped", "BAR4 " + what + " (mmap, " + size(window) + ")", "GB/s", true,
                    Stat.of(jvfio.rates(), true).scaled(gb), Stat.of(floor.rates(), true).scaled(gb), COPY,
                    null, null, r -> Target.ratioAtLeast(0.9, r.ratio())));
        }
    }

    /** The first mmap-able area of a region (the whole region if it has no sparse areas). */
    private static SparseArea mappableArea(RegionInfo info) throws IOException {
        if (!info.mappable()) {
            throw new IOException("BAR4 is not mappable (flags 0x" + Integer.toHexString(info.flags()) + ")");
        }
        return info.sparseAreas().isEmpty() ? new SparseArea(0, info.size()) : info.sparseAreas().getFirst();
    }

    // ---------------------------------------------------------------- footprint after touching

    private void touched(Launched l) throws IOException, VfioException {
        VfioUserClient c = l.gpuClients().getFirst();
        RegionInfo bar4 = c.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
        SparseArea area = mappableArea(bar4);
        long bytes = Math.min(o.touchBytes(), PageSize.system().roundDown(area.size()));
        if (bytes < o.touchBytes()) {
            notes.add("only " + size(bytes) + " of BAR4 can be mapped; touched that much");
        }
        if (bytes > 0) {
            say("footprint: the client writes " + size(bytes) + " of BAR4");
            try (MappedMemory m = VfioUserClient.mapRegion(bar4, area.offset(), bytes, true)) {
                m.segment().fill((byte) 0xA5);
            }
        }
        ProcStatus s = ProcStatus.of(l.gpu().pid());
        ProcStatus e = ProcStatus.of(l.echo().pid());
        notes.add("server memory after the client touched " + size(bytes) + ": " + s.describe());
        rows.add(row("footprint.rss-touched", "footprint", "RSS after client touched " + size(bytes), "MiB", false,
                Stat.of(List.of(mib(s.vmRss())), false), Stat.of(List.of(mib(e.vmRss())), false), BARE_JVM, null,
                null, r -> Target.below(128, "MiB", r.subject().median())));
    }

    // ---------------------------------------------------------------- measuring

    /** Warms both sides up, then runs their rounds alternately (floor first in even rounds). */
    void alternate(Side floor, Side subject) throws IOException, VfioException {
        long warm = o.warmup().toNanos();
        long round = o.roundLength().toNanos();
        floor.warmUp(warm);
        subject.warmUp(warm);
        for (int r = 0; r < o.rounds(); r++) {
            Side first = r % 2 == 0 ? floor : subject;
            Side second = first == floor ? subject : floor;
            first.round(round);
            second.round(round);
        }
    }

    static Row row(String id, String group, String label, String unit, boolean higher, Stat subject,
                           Stat floor, String floorName, Latency sl, Latency fl, Function<Row, Target> target) {
        double ratio = Row.ratio(subject.median(), floor.median(), higher);
        double ratioBest = Row.ratio(subject.best(), floor.best(), higher);
        Row r = new Row(id, group, label, unit, higher, subject, floor, floorName, ratio, ratioBest, sl, fl, null);
        return new Row(id, group, label, unit, higher, subject, floor, floorName, ratio, ratioBest, sl, fl,
                target.apply(r));
    }

    // ---------------------------------------------------------------- processes

    private List<Path> sockets(String prefix) {
        List<Path> s = new ArrayList<>();
        for (int i = 0; i < o.clients(); i++) {
            s.add(dir.resolve(prefix + "-" + i + ".sock"));
        }
        return s;
    }

    private ChildJvm child(String what, String mainClass, List<String> args) throws IOException {
        Path log = dir.resolve(what + "-" + (logs++) + ".log");
        ChildJvm c = ChildJvm.start(what, mainClass, args, o.serverJavaOptions(), pinned, log);
        synchronized (children) {
            children.add(c);
        }
        return c;
    }

    private ChildJvm serveConfig(String what, String json) throws IOException {
        Path config = dir.resolve(what + "-" + logs + ".json");
        Files.writeString(config, json);
        return child(what, SERVE_MAIN, List.of("serve", "--config", config.toString()));
    }

    private ChildJvm serve(String what, List<String> profileArgs, List<Path> sockets) throws IOException {
        List<String> args = new ArrayList<>();
        args.add("serve");
        args.addAll(profileArgs);
        for (Path s : sockets) {
            args.add("--socket");
            args.add(s.toString());
        }
        return child(what, SERVE_MAIN, args);
    }

    /** Connects a client to every socket as soon as it answers (VERSION negotiated). */
    private List<VfioUserClient> awaitServe(ChildJvm child, List<Path> sockets) throws IOException {
        List<VfioUserClient> clients = new ArrayList<>();
        try {
            for (Path s : sockets) {
                clients.add(await(child, s, VfioUserClient::connect));
            }
            return clients;
        } catch (IOException | RuntimeException e) {
            closeAll(clients);
            stop(child);
            throw e;
        }
    }

    private EchoLane awaitEcho(ChildJvm child, List<Path> sockets) throws IOException {
        for (Path s : sockets.subList(0, sockets.size() - 1)) {
            await(child, s, p -> EchoLane.open(p, 8, 8, false)).close();
        }
        EchoLane lane = await(child, sockets.getLast(), p -> EchoLane.open(p, 8, 8, false));
        lane.run(); // ready means answering
        return lane;
    }

    private interface Connector<T> {
        T connect(Path socket) throws IOException;
    }

    private static <T> T await(ChildJvm child, Path socket, Connector<T> connector) throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            child.checkAlive();
            if (Files.exists(socket)) {
                try {
                    return connector.connect(socket);
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(child + " did not answer on " + socket + " within " + READY_TIMEOUT.toSeconds()
                        + " s: " + child.logTail());
            }
            LockSupport.parkNanos(200_000);
        }
    }

    private void stop(ChildJvm c) {
        if (c != null) {
            c.close();
            synchronized (children) {
                children.remove(c);
            }
        }
    }

    private void killChildren() {
        synchronized (children) {
            for (ChildJvm c : children) {
                c.close();
            }
        }
    }

    private static void closeAll(List<? extends AutoCloseable> list) {
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
        synchronized (children) {
            children.clear();
        }
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

    private static double millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e6;
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** 4KiB, 64KiB, 1MiB, 1GiB, or plain bytes. */
    static String size(long bytes) {
        if (bytes >= BenchOptions.GIB && bytes % BenchOptions.GIB == 0) {
            return bytes / BenchOptions.GIB + "GiB";
        }
        if (bytes >= BenchOptions.MIB && bytes % BenchOptions.MIB == 0) {
            return bytes / BenchOptions.MIB + "MiB";
        }
        if (bytes >= BenchOptions.KIB && bytes % BenchOptions.KIB == 0) {
            return bytes / BenchOptions.KIB + "KiB";
        }
        return bytes + "B";
    }
}
