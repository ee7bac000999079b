package dev.jvfio.bench;

import dev.jvfio.client.ClientMigration;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.MigrationState;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.MappedMemory;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@code migration} rows (docs/migration-state.md): two 96 GiB gh200 servers, {@code --touch}
 * bytes (1 GiB by default) of the source's device memory written through the client's BAR4 mapping; each round migrates the device
 * to the other server as a VMM would (destination RESUMING, source PRE_COPY and its whole pass
 * carried over, then {@link #CHANGED} (at most an eighth of what was touched) written by the "guest", then STOP_COPY to the end, source STOP,
 * destination RUNNING) and the next round migrates it back. Rows:
 * <ul>
 *   <li>pre-copy: GB/s of the populated memory carried from source to destination while the device
 *       runs, against the echo child moving the same bytes in messages of the same size (each byte
 *       crosses two sockets in both): at least {@link #PRECOPY_TARGET} of it;</li>
 *   <li>downtime: the device part of the stop-copy phase, from the STOP_COPY request to the
 *       destination's RUNNING reply: at most {@link #DOWNTIME_LIMIT_MS}; its floor is the echo
 *       moving the same bytes;</li>
 *   <li>RSS: the larger server's resident memory sampled through the migration: at most
 *       {@link #RSS_LIMIT_MIB}; its floor is the echo child's.</li>
 * </ul>
 * Every round checks that the destination's memory equals the source's where the guest wrote.
 */
final class MigrationGroup {
    /** Bytes changed after pre-copy (less when fewer are touched: an eighth of them). */
    static final long CHANGED = 16 * BenchOptions.MIB;

    static final double PRECOPY_TARGET = 0.8;
    static final double DOWNTIME_LIMIT_MS = 100;
    static final double RSS_LIMIT_MIB = 256;
    /** The changed bytes lie in this many places, spread over the touched gigabyte. */
    static final int CHANGED_PLACES = 8;

    /**
     * Measured rounds at least: a migration round is one reading (its downtime varies by a tenth
     * or more from round to round here), and four leave a 95% interval about twice as wide as six.
     */
    static final int MIN_ROUNDS = 6;

    /** Unmeasured rounds first, one each way, so both servers' code is compiled before it is timed. */
    static final int WARMUP_ROUNDS = 2;

    /** Bytes per MIG_DATA_READ and MIG_DATA_WRITE, as the echo floor's messages. */
    static final int CHUNK = (int) BenchOptions.MIB;

    static final String FLOOR = "the echo child moving the same bytes in messages of the same size (1 MiB each way)";

    private final Bench b;
    private final long touched;
    private final long changed;

    MigrationGroup(Bench bench) {
        this.b = bench;
        this.touched = Math.max(CHANGED_PLACES * 2 * BenchOptions.MIB, bench.o.touchBytes() & -(2 * BenchOptions.MIB));
        this.changed = Math.min(CHANGED, touched / CHANGED_PLACES);
    }

    /** One side of the migration: its server, client, migration calls and BAR4 mapped in this process. */
    private record Gpu(ChildJvm server, VfioUserClient client, ClientMigration calls, MappedMemory bar4) {}

    void measure(Path echoSocket, long echoPid) throws IOException, VfioException {
        List<AutoCloseable> open = new ArrayList<>();
        try {
            Gpu a = start("mig-a", open);
            Gpu c = start("mig-b", open);
            try {
                a.calls().setState(MigrationState.RUNNING);
            } catch (IOException | VfioUserException e) {
                b.notes.add("migration: no rows, the server does not migrate (" + Text.firstLine(e.getMessage()) + ")");
                return;
            }
            b.say("migration: writing " + Text.size(touched) + " of the source's device memory");
            MemorySegment mem = a.bar4().segment();
            for (long off = 0; off < touched; off += 2 * BenchOptions.MIB) {
                mem.asSlice(off, 2 * BenchOptions.MIB).fill((byte) (off >>> 21));
            }
            rounds(a, c, echoSocket, echoPid);
        } finally {
            Bench.closeAll(open);
        }
    }

    private Gpu start(String what, List<AutoCloseable> open) throws IOException, VfioException {
        List<Path> sockets = b.children.sockets(what, 1);
        ChildJvm server =
                b.children.serve(what, List.of("--profile", "gh200", "--mem-size", Bench.GPU_MEMORY), sockets);
        open.add(() -> b.children.stop(server));
        VfioUserClient client = b.children.awaitServe(server, sockets).getFirst();
        open.add(client);
        ClientMigration calls = client.migration();
        RegionInfo bar4 = client.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
        MappedMemory m = VfioUserClient.mapRegion(bar4, 0, 2 * BenchOptions.GIB, true);
        open.add(m);
        return new Gpu(server, client, calls, m);
    }

    private void rounds(Gpu a, Gpu c, Path echoSocket, long echoPid) throws IOException {
        int rounds = Math.max(MIN_ROUNDS, b.o.rounds());
        List<Double> preRate = new ArrayList<>();
        List<Double> preFloor = new ArrayList<>();
        List<Double> downtime = new ArrayList<>();
        List<Double> downFloor = new ArrayList<>();
        List<Double> rss = new ArrayList<>();
        List<Double> rssFloor = new ArrayList<>();
        long peakRss = 0;
        try (EchoLane echo = EchoLane.open(echoSocket, CHUNK + 24, CHUNK + 24, false);
                StreamCarrier carrier = new StreamCarrier(CHUNK)) {
            for (int r = -WARMUP_ROUNDS; r < rounds; r++) {
                Gpu src = (r + WARMUP_ROUNDS) % 2 == 0 ? a : c;
                Gpu dst = (r + WARMUP_ROUNDS) % 2 == 0 ? c : a;
                b.say(r < 0 ? "migration: warm-up round" : "migration: round " + (r + 1) + " of " + rounds);
                // The destination keeps the pages the round before wrote, and the stream overwrites
                // them, as in a destination whose memory is preallocated. A fresh destination
                // allocates 1 GiB during pre-copy; on a VM that returns freed memory to its host
                // (virtio-balloon free page reporting) that allocation faults in host memory and
                // varied from 0.5 to 2.6 s per GiB between rounds: a measure of the hypervisor,
                // not of the stream (docs/benchmarks.md).
                RssSampler sampler =
                        new RssSampler(src.server().pid(), dst.server().pid());
                Thread t = Thread.ofPlatform().daemon().name("bench-rss").start(sampler);
                dst.calls().setState(MigrationState.RESUMING);
                src.calls().setState(MigrationState.PRE_COPY);
                long t0 = System.nanoTime();
                long pre = carrier.carry(src.calls(), dst.calls(), false);
                double preSeconds = (System.nanoTime() - t0) / 1e9;
                byte mark = (byte) (0x80 + r);
                for (int i = 0; i < CHANGED_PLACES; i++) {
                    long at = i * (touched / CHANGED_PLACES);
                    src.bar4().segment().asSlice(at, changed / CHANGED_PLACES).fill(mark);
                }
                long t1 = System.nanoTime();
                src.calls().setState(MigrationState.STOP_COPY);
                long stop = carrier.carry(src.calls(), dst.calls(), true);
                src.calls().setState(MigrationState.STOP);
                dst.calls().setState(MigrationState.RUNNING);
                double downMs = (System.nanoTime() - t1) / 1e6;
                sampler.stop();
                t.join();
                check(src, dst, r == rounds - 1);
                if (r < 0) {
                    continue;
                }
                preRate.add(pre / preSeconds / 1e9);
                downtime.add(downMs);
                rss.add(Text.mib(sampler.own.get()));
                peakRss = Math.max(peakRss, sampler.max.get());
                preFloor.add(echoRate(echo, pre));
                downFloor.add(echoMillis(echo, stop));
                rssFloor.add(Text.mib(ProcStatus.of(echoPid).vmRss()));
                b.notes.add(String.format(
                        Locale.ROOT,
                        "migration round %d: pre-copy %s in %.0f ms, stop-copy %s",
                        r + 1,
                        Text.size(pre),
                        preSeconds * 1000,
                        Text.size(stop)));
            }
            b.notes.add(String.format(
                    Locale.ROOT,
                    "migration: the saving server maps the device memory it sends, so its VmRSS counts those"
                            + " pages (shared memory the guest's device already holds, not allocated by the server)"
                            + " while a stream lives: at most %.0f MiB here; the RSS row is VmRSS less them",
                    Text.mib(peakRss)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (VfioUserException e) {
            throw new IOException("migration: " + e.getMessage(), e);
        }
        Rounds used = Rounds.fixed(rounds);
        b.rows.add(Rows.row(
                "migration.precopy",
                "migration",
                "pre-copy of " + Text.size(touched) + " populated, gh200 " + Bench.GPU_MEMORY,
                "GB/s",
                true,
                Stat.of(preRate, true),
                Stat.of(preFloor, true),
                FLOOR,
                null,
                null,
                used,
                Rows.ratioTarget(PRECOPY_TARGET)));
        b.rows.add(Rows.row(
                "migration.downtime",
                "migration",
                "stop-copy downtime, " + Text.size(changed) + " changed after pre-copy",
                "ms",
                false,
                Stat.of(downtime, false),
                Stat.of(downFloor, false),
                FLOOR,
                null,
                null,
                used,
                row -> Target.atMost(DOWNTIME_LIMIT_MS, "ms", Interval.ofReadings(downtime))));
        b.rows.add(Rows.row(
                "migration.rss",
                "migration",
                "server RSS during migration less mapped device memory (larger side)",
                "MiB",
                false,
                Stat.of(rss, false),
                Stat.of(rssFloor, false),
                Bench.BARE_JVM,
                null,
                null,
                used,
                row -> Target.atMost(RSS_LIMIT_MIB, "MiB", Interval.ofReadings(rss))));
    }

    /** The destination holds what the guest wrote on the source: the changed places always, all of it once. */
    private void check(Gpu src, Gpu dst, boolean all) throws IOException {
        MemorySegment s = src.bar4().segment();
        MemorySegment d = dst.bar4().segment();
        long span = all ? touched : changed / CHANGED_PLACES;
        for (int i = 0; i < (all ? 1 : CHANGED_PLACES); i++) {
            long at = all ? 0 : i * (touched / CHANGED_PLACES);
            long diff = s.asSlice(at, span).mismatch(d.asSlice(at, span));
            if (diff >= 0) {
                throw new IOException(
                        "migration: the destination's device memory differs at 0x" + Long.toHexString(at + diff));
            }
        }
    }

    private static double echoRate(EchoLane echo, long bytes) throws IOException {
        long n = Math.max(1, bytes / BenchOptions.MIB);
        long t = System.nanoTime();
        for (long i = 0; i < n; i++) {
            echo.run();
        }
        return n * (double) BenchOptions.MIB / ((System.nanoTime() - t) / 1e9) / 1e9;
    }

    private static double echoMillis(EchoLane echo, long bytes) throws IOException {
        long n = Math.max(1, (bytes + BenchOptions.MIB - 1) / BenchOptions.MIB);
        long t = System.nanoTime();
        for (long i = 0; i < n; i++) {
            echo.run();
        }
        return (System.nanoTime() - t) / 1e6;
    }

    /**
     * Samples both servers' VmRSS every few milliseconds until stopped; keeps the largest, and the
     * largest without shared memory (RssShmem: the device memory a saving server maps).
     */
    private static final class RssSampler implements Runnable {
        final AtomicLong max = new AtomicLong();
        final AtomicLong own = new AtomicLong();
        private final long[] pids;
        private volatile boolean stopped;

        RssSampler(long... pids) {
            this.pids = pids;
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            while (!stopped) {
                for (long pid : pids) {
                    try {
                        ProcStatus p = ProcStatus.of(pid);
                        max.accumulateAndGet(p.vmRss(), Math::max);
                        own.accumulateAndGet(p.vmRss() - p.rssShmem(), Math::max);
                    } catch (IOException ignored) {
                        // the process is gone: the round fails on its own
                    }
                }
                LockSupport.parkNanos(5_000_000);
            }
        }
    }
}
