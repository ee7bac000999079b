package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.TempDirs;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.engine.CopyEngine;
import dev.jvfio.os.BackingFile;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code jvfio serve} child processes signalled at random moments: while 200 devices are being
 * created, while backing files are created or pre-faulted, when idle, while a client resets the GPU
 * in a loop (readiness waits included), while the copy engine moves data, and during the shutdown
 * itself (a second signal). After each: the exit status is the signal's (README: 143 SIGTERM, 130
 * SIGINT, 129 SIGHUP, 137 SIGKILL), no socket or directory of serve's is left (except after
 * SIGKILL, which leaves its sockets), every backing file keeps its size and the
 * bytes no client wrote, and nobody holds its lock. Bounded by time: as many runs as fit in
 * {@link #BUDGET_SECONDS} on four lanes in parallel, at most {@link #MAX_RUNS}.
 */
class ServeKillTest {
    static final int BUDGET_SECONDS = Integer.getInteger("jvfio.kill.seconds", 60);
    static final int MAX_RUNS = 200;
    static final int MIN_RUNS = 24;
    static final int LANES = 4;
    static final int FILES = 3;
    static final long FILE_SIZE = 1L << 30;
    static final int GUARDED = 64 << 10;
    /** Far above the 2 s that serve promises; only a hang fails. */
    static final long EXIT_LIMIT_MS = 10_000;

    enum Stage {
        CREATING_200,
        CREATING_FILES,
        PREFAULT,
        IDLE,
        RESETS,
        DMA,
        SHUTDOWN
    }

    enum Sig {
        TERM(15),
        INT(2),
        HUP(1),
        KILL(9);

        final int number;

        Sig(int number) {
            this.number = number;
        }

        int exitStatus() {
            return 128 + number;
        }
    }

    record Outcome(Stage stage, Sig sig, long exitMillis) {}

    @Test
    @DisplayName(
            "serve signalled at random moments (start-up, pre-fault, idle, resets, DMA, shutdown): exit status of the signal, no socket left, backing files intact")
    void serveSignalledAtRandomMomentsLeavesNothingBehind() throws Exception {
        long seed = Seeds.of(0x5EED_C0DEL);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BUDGET_SECONDS);
        AtomicInteger runs = new AtomicInteger();
        List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        ExecutorService lanes = Executors.newFixedThreadPool(LANES);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int lane = 0; lane < LANES; lane++) {
                Random r = new Random(seed + lane);
                futures.add(lanes.submit(() -> {
                    new Lane(r, "seed " + seed + " lane").run(deadline, runs, outcomes);
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        } finally {
            lanes.shutdownNow();
        }
        long max = outcomes.stream().mapToLong(Outcome::exitMillis).max().orElse(0);
        long[] sorted =
                outcomes.stream().mapToLong(Outcome::exitMillis).sorted().toArray();
        System.out.printf(
                "serve kill test: %d runs (seed %d); exit after the signal: median %d ms, max %d ms; by stage %s%n",
                outcomes.size(),
                seed,
                sorted.length == 0 ? 0 : sorted[sorted.length / 2],
                max,
                Arrays.stream(Stage.values())
                        .map(s -> s + "="
                                + outcomes.stream().filter(o -> o.stage() == s).count())
                        .toList());
        assertThat(outcomes.size())
                .as("runs that fit in %d s (seed %d)", BUDGET_SECONDS, seed)
                .isGreaterThanOrEqualTo(MIN_RUNS);
    }

    /** One directory, one socket set and one set of backing files, used by one serve at a time. */
    static final class Lane {
        final Random r;
        final String label;
        Path dir;
        final List<Path> files = new ArrayList<>();
        final List<byte[]> guarded = new ArrayList<>();

        Lane(Random r, String label) {
            this.r = r;
            this.label = label;
        }

        void run(long deadline, AtomicInteger runs, List<Outcome> outcomes) throws Exception {
            dir = TempDirs.create();
            try {
                for (int i = 0; i < FILES; i++) {
                    Path f = dir.resolve("m" + i);
                    byte[] tail = new byte[GUARDED];
                    r.nextBytes(tail);
                    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                        raf.setLength(FILE_SIZE);
                        raf.seek(FILE_SIZE - GUARDED);
                        raf.write(tail);
                    }
                    files.add(f);
                    guarded.add(tail);
                }
                while (System.nanoTime() < deadline && runs.incrementAndGet() <= MAX_RUNS) {
                    Stage stage = Stage.values()[r.nextInt(Stage.values().length)];
                    int s = r.nextInt(100);
                    Sig sig = deliverable(s < 45 ? Sig.TERM : s < 70 ? Sig.INT : s < 85 ? Sig.HUP : Sig.KILL);
                    outcomes.add(once(
                            stage,
                            stage == Stage.SHUTDOWN && sig == Sig.KILL ? Sig.TERM : sig,
                            label + " run " + runs.get()));
                }
            } finally {
                TempDirs.delete(dir);
            }
        }

        Outcome once(Stage stage, Sig sig, String where) throws Exception {
            List<String> args = new ArrayList<>();
            switch (stage) {
                case CREATING_200 -> args.addAll(List.of("--gpus", "200", "--profile", "sample"));
                default -> {
                    args.addAll(List.of("--gpus", Integer.toString(FILES), "--profile", "gb200", "--mem-size", "1G"));
                    for (Path f : files) args.addAll(List.of("--backing-file", f.toString()));
                    if (stage == Stage.PREFAULT) args.add("--prefault");
                    if (stage == Stage.RESETS) args.addAll(List.of("--ready-delay", "300ms"));
                }
            }
            Path socket0 = dir.resolve("jvfio/gpu0.sock");
            long signalled;
            Thread client = null;
            String context = where + ": " + stage + " " + sig;
            try (ServeProcess serve =
                    new ServeProcess(dir, Map.of("XDG_RUNTIME_DIR", dir.toString()), args.toArray(String[]::new))) {
                context += " (pid " + serve.process.pid() + ")";
                switch (stage) {
                    case CREATING_200, CREATING_FILES, PREFAULT -> Thread.sleep(r.nextInt(1500));
                    default -> {
                        serve.awaitReady();
                        if (stage == Stage.RESETS)
                            client = Thread.ofPlatform().daemon().start(() -> resets(socket0));
                        if (stage == Stage.DMA)
                            client = Thread.ofPlatform().daemon().start(() -> copies(socket0));
                        Thread.sleep(
                                stage == Stage.IDLE || stage == Stage.SHUTDOWN ? r.nextInt(200) : 50 + r.nextInt(800));
                    }
                }
                signalled = System.nanoTime();
                signal(serve.process, sig);
                Sig second = null;
                if (stage == Stage.SHUTDOWN) {
                    Thread.sleep(r.nextInt(60));
                    second = deliverable(List.of(Sig.TERM, Sig.INT, Sig.HUP).get(r.nextInt(3)));
                    signal(serve.process, second);
                }
                boolean exited = serve.process.waitFor(EXIT_LIMIT_MS, TimeUnit.MILLISECONDS);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
                assertThat(exited)
                        .as(context + ": serve exited after the signal\n" + serve)
                        .isTrue();
                // two signals close together: the JVM exits with the status of the one it handled first
                if (!diedInJvmInit(serve)) {
                    assertThat(serve.process.exitValue())
                            .as(context + ": exit status\n" + serve)
                            .isIn(sig.exitStatus(), second == null ? sig.exitStatus() : second.exitStatus());
                }
                assertThat(serve.err()).as(context).doesNotContain("Exception").doesNotContain("internal error");
                if (client != null) client.join(TimeUnit.SECONDS.toMillis(30));
                checkLeftovers(sig, context + "\n" + serve);
                checkFiles(context);
                return new Outcome(stage, sig, ms);
            }
        }

        void checkLeftovers(Sig sig, String context) throws IOException {
            Path sockets = dir.resolve("jvfio");
            if (sig == Sig.KILL) {
                TempDirs.delete(sockets); // SIGKILL leaves its sockets (stale: the next serve would replace them)
                return;
            }
            assertThat(sockets)
                    .as(context + ": the socket directory serve created, with its sockets")
                    .doesNotExist();
        }

        void checkFiles(String context) throws IOException {
            for (int i = 0; i < FILES; i++) {
                Path f = files.get(i);
                assertThat(Files.size(f)).as(context + ": size of " + f).isEqualTo(FILE_SIZE);
                assertThat(BackingFile.inspect(f).exists())
                        .as(context + ": nobody holds " + f)
                        .isTrue();
                byte[] tail = new byte[GUARDED];
                try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
                    raf.seek(FILE_SIZE - GUARDED);
                    raf.readFully(tail);
                }
                assertThat(Arrays.equals(tail, guarded.get(i)))
                        .as(context + ": bytes no client wrote in " + f)
                        .isTrue();
            }
        }
    }

    /**
     * A signal that arrives while the JVM itself initializes, before any of jvfio runs, can end it
     * with status 1 and "Error occurred during initialization of VM" (JDK 25): not serve's doing, and
     * nothing was created yet.
     */
    static boolean diedInJvmInit(ServeProcess serve) {
        return serve.process.exitValue() == 1
                && serve.out().contains("Error occurred during initialization of VM")
                && !serve.err().contains("jvfio");
    }

    /**
     * Signals this process ignores, which every serve it starts inherits ignored: a job started in
     * the background by a shell without job control (a CI script's {@code cmd &}) ignores SIGINT and
     * SIGQUIT, {@code nohup} SIGHUP, and the JVM keeps a termination signal that was ignored when it
     * started ignored, as a daemon should (its parent asked for that). A lane that drew such a signal
     * sends SIGTERM instead.
     */
    static final long IGNORED_SIGNALS = ignoredSignals();

    static Sig deliverable(Sig sig) {
        return sig != Sig.KILL && (IGNORED_SIGNALS >>> (sig.number - 1) & 1) != 0 ? Sig.TERM : sig;
    }

    private static long ignoredSignals() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return Long.parseUnsignedLong(
                            line.substring("SigIgn:".length()).strip(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no procfs: assume nothing is ignored
        }
        return 0;
    }

    static void signal(Process p, Sig sig) throws IOException, InterruptedException {
        if (sig == Sig.TERM) {
            p.destroy();
            return;
        }
        if (sig == Sig.KILL) {
            p.destroyForcibly();
            return;
        }
        Process kill = new ProcessBuilder("kill", "-" + sig.name(), Long.toString(p.pid())).start();
        kill.waitFor(30, TimeUnit.SECONDS);
    }

    /** A client that resets gpu0 and touches BAR4 (each first access waits for readiness) until serve is gone. */
    static void resets(Path socket) {
        try (VfioUserClient c = VfioUserClient.connect(socket)) {
            for (int i = 0; ; i++) {
                c.reset();
                c.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, new byte[] {2});
                c.read(Vfio.PCI_BAR4_REGION_INDEX, 0, 4);
                c.write(Vfio.PCI_BAR4_REGION_INDEX, 4096L * i % (16 << 20), new byte[] {(byte) i});
            }
        } catch (Exception expected) {
            // serve went away
        }
    }

    /** A client that has gpu0's copy engine move 8 MiB between its memory and device memory until serve is gone. */
    static void copies(Path socket) {
        final long iova = 1L << 32;
        final long size = 16L << 20;
        final long engine = 0x10_0000;
        ValueLayout.OfInt le32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfLong le64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        try (VfioUserClient c = VfioUserClient.connect(socket);
                Fd mem = Memfd.create("kill-test-dma", size)) {
            c.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, new byte[] {6}); // memory decode and Bus Master
            c.dmaMap(mem, 0, iova, size, true, true);
            for (int i = 0; ; i++) {
                boolean toDevice = i % 2 == 0;
                byte[] program = new byte[24];
                MemorySegment p = MemorySegment.ofArray(program);
                p.set(le64, 0, toDevice ? iova : 0);
                p.set(le64, 8, toDevice ? 0 : iova);
                p.set(le32, 16, 8 << 20);
                p.set(le32, 20, toDevice ? CopyEngine.CTRL_DST_DEVICE : CopyEngine.CTRL_SRC_DEVICE);
                c.write(Vfio.PCI_BAR0_REGION_INDEX, engine + CopyEngine.SRC_LO, program);
                c.write(Vfio.PCI_BAR0_REGION_INDEX, engine + CopyEngine.DOORBELL, new byte[] {1, 0, 0, 0});
                while (MemorySegment.ofArray(c.read(Vfio.PCI_BAR0_REGION_INDEX, engine + CopyEngine.STATUS, 4))
                                .get(le32, 0)
                        == CopyEngine.STATUS_BUSY) {
                    Thread.onSpinWait();
                }
            }
        } catch (Exception expected) {
            // serve went away
        }
    }
}
