package dev.jvfio.fuzz;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.procfs.OpenFiles;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import dev.jvfio.transport.PeerCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One fuzzing run against a multi-device server in this process: the target device (a simulated
 * GH200 with small sparse memory by default, or any profile) and a GH200 for the probe, each served
 * by its own {@link VfioUserServer} on its own socket. The
 * {@link Fuzzer} attacks the first while a {@link Probe} keeps using the second. Before and after,
 * the process's open fds are counted (they must match once every client has left) and the
 * fuzzer's DMA memfd mappings are looked for in /proc/self/maps (none may be left).
 */
public final class FuzzCampaign {
    /** 2 GiB + 768 MiB: the smallest kind of GH200 memory with both BAR2 and BAR4 (sparse memfd). */
    static final long MEMORY = (2L << 30) + (768L << 20);

    private FuzzCampaign() {}

    private static void tick(
            FuzzReport.Builder report, long start, Duration duration, Duration every, Consumer<String> progress) {
        try {
            while (true) {
                Thread.sleep(every);
                long s = (System.nanoTime() - start) / 1_000_000_000L;
                progress.accept("fuzz: " + s + " s of " + duration.toSeconds() + ": " + report.messages()
                        + " hostile messages, " + report.probeChecks() + " probe round trips, " + report.failures()
                        + " failures");
            }
        } catch (InterruptedException done) {
            // the run is over
        }
    }

    /** Fuzzes a GH200 for {@code duration} with {@code seed}; never throws for what the server does wrong. */
    public static FuzzReport run(Duration duration, long seed) throws IOException {
        return run(duration, seed, GpuOptions.DEFAULT_PROFILE);
    }

    /**
     * Fuzzes a device of profile {@code targetProfile} ("gh200", "sample", ...) while the probe
     * uses a GH200 served by the same process.
     */
    public static FuzzReport run(Duration duration, long seed, String targetProfile) throws IOException {
        return run(duration, seed, targetProfile, Duration.ZERO, line -> {});
    }

    /**
     * Like {@link #run(Duration, long, String)}, and every {@code every} (unless zero) hands
     * {@code progress} a line with the time fuzzed so far and the counts that matter.
     */
    public static FuzzReport run(
            Duration duration, long seed, String targetProfile, Duration every, Consumer<String> progress)
            throws IOException {
        FuzzReport.Builder report = new FuzzReport.Builder(seed);
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvfuzz");
        GpuOptions gpu = GpuOptions.defaults().withMemorySize(MEMORY);
        ServerOptions options = ServerOptions.defaults().withListener(oracle(report));
        try (VfioDevice target =
                        DeviceProfiles.create(gpu.withProfile(targetProfile).withName("fuzz-target"));
                VfioDevice other = DeviceProfiles.create(gpu.withName("fuzz-probe"));
                VfioUserServer targetServer = VfioUserServer.start(dir.resolve("target.sock"), target, options);
                VfioUserServer otherServer = VfioUserServer.start(dir.resolve("probe.sock"), other, options)) {
            warmUp(targetServer, otherServer);
            int fdsBefore = OpenFiles.count();
            Probe probe = new Probe(otherServer.socketPath(), seed ^ 0x9E3779B97F4A7C15L, report);
            Thread probeThread = Thread.ofPlatform().name("fuzz probe").start(probe);
            long start = System.nanoTime();
            Thread ticker = every.isZero()
                    ? null
                    : Thread.ofVirtual().start(() -> tick(report, start, duration, every, progress));
            try {
                new Fuzzer(targetServer.socketPath(), seed, report).run(start + duration.toNanos());
            } catch (IOException e) {
                report.failure("fuzzer stopped: " + e);
            } finally {
                if (ticker != null) ticker.interrupt();
                probe.stop();
                join(probeThread);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            awaitDetached(targetServer, otherServer);
            int fdsAfter = OpenFiles.count();
            for (int i = 0; i < 100 && fdsAfter != fdsBefore; i++) {
                sleep(20); // a session thread may still be closing its last fds
                fdsAfter = OpenFiles.count();
            }
            int maps = dmaMappings();
            if (fdsAfter != fdsBefore) {
                report.failure("server fds " + fdsBefore + " before, " + fdsAfter + " after every client left");
            }
            if (maps != 0) {
                report.failure(maps + " DMA mappings of the fuzzer's memfds left in the server");
            }
            return report.build(seconds, fdsBefore, fdsAfter, maps);
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * Server events that mean a device model or the session broke its contract: a device that threw
     * something other than VfioException, or a session that died of an internal error.
     */
    private static ServerListener oracle(FuzzReport.Builder report) {
        return new ServerListener() {
            @Override
            public void error(String message) {
                if (message.contains("device threw") || message.contains("detach failed")) {
                    report.failure("server: " + message);
                }
            }

            @Override
            public void disconnected(PeerCredentials peer, String reason) {
                if (reason.startsWith("internal error")) {
                    report.failure("session ended by " + reason);
                }
            }
        };
    }

    /** One attach and detach on each device, so lazily opened files are open before we count. */
    private static void warmUp(VfioUserServer... servers) throws IOException {
        for (VfioUserServer s : servers) {
            try (RawSession session = RawSession.attach(s.socketPath(), Duration.ofSeconds(10))) {
                session.serverCapabilities();
            }
            try (var c = VfioUserClient.connect(awaitFree(s))) {
                c.deviceInfo();
            } catch (VfioUserException e) {
                throw new IOException("warm-up client refused: " + e.getMessage(), e);
            }
        }
        awaitDetached(servers);
    }

    private static Path awaitFree(VfioUserServer s) {
        awaitDetached(s);
        return s.socketPath();
    }

    private static void awaitDetached(VfioUserServer... servers) {
        for (VfioUserServer s : servers) {
            for (int i = 0; i < 1000 && s.clientAttached(); i++) {
                sleep(10);
            }
        }
    }

    /** Lines of /proc/self/maps that map the fuzzer's DMA memfds. */
    static int dmaMappings() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return (int) lines.filter(l -> l.contains("memfd:jvfio-fuzz-dma")).count();
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
