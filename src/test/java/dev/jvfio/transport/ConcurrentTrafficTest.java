package dev.jvfio.transport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.procfs.OpenFiles;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both ends send and receive at the same time (one sender and one receiver thread each), with
 * random sizes and 0-3 fds per message: bytes and fds arrive intact and in order, nothing leaks.
 */
class ConcurrentTrafficTest {
    private static final int MESSAGES = 100;
    private static final int HEADER = 8; // int index, int fd count

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 20261125})
    void bytesAndFdsArriveIntactInBothDirectionsAtOnce(long seed) throws Exception {
        OpenFiles.count();
        int baseline = OpenFiles.count();
        UnixConnection[] p = UnixConnection.pair();
        // Own threads: the common pool may run only one task at a time on a small machine,
        // and these four must all run at once.
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try (UnixConnection a = p[0];
                UnixConnection b = p[1]) {
            var aSends = CompletableFuture.runAsync(() -> sendAll(a, seed), threads);
            var bSends = CompletableFuture.runAsync(() -> sendAll(b, seed + 1), threads);
            var bGets = CompletableFuture.runAsync(() -> receiveAll(b, seed), threads);
            var aGets = CompletableFuture.runAsync(() -> receiveAll(a, seed + 1), threads);
            CompletableFuture.allOf(aSends, bSends, aGets, bGets).get(120, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
        assertThat(OpenFiles.count()).as("seed %d", seed).isEqualTo(baseline);
    }

    /** Message i: header, then payload bytes drawn from Random(seed * 1000 + i); memfd j is i*4096 + j bytes long. */
    private static void sendAll(UnixConnection c, long seed) {
        Random sizes = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < MESSAGES; i++) {
                int payload = sizes.nextInt(1, 100_000);
                int nfds = sizes.nextInt(4);
                MemorySegment msg = arena.allocate(HEADER + payload);
                msg.set(JAVA_INT, 0, i);
                msg.set(JAVA_INT, 4, nfds);
                byte[] bytes = new byte[payload];
                new Random(seed * 1000 + i).nextBytes(bytes);
                MemorySegment.copy(bytes, 0, msg, JAVA_BYTE, HEADER, payload);
                List<Fd> fds = new ArrayList<>();
                try {
                    for (int j = 0; j < nfds; j++) {
                        fds.add(Memfd.create("m" + i, i * 4096L + j));
                    }
                    // heap and native segments alternate, to cover both paths
                    c.send(i % 2 == 0 ? msg : MemorySegment.ofArray(msg.toArray(JAVA_BYTE)), fds);
                } finally {
                    fds.forEach(Fd::close);
                }
            }
        } catch (Exception e) {
            throw new RuntimeException("sender, seed " + seed, e);
        }
    }

    private static void receiveAll(UnixConnection c, long seed) {
        Random sizes = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(HEADER);
            for (int i = 0; i < MESSAGES; i++) {
                int payload = sizes.nextInt(1, 100_000);
                int nfds = sizes.nextInt(4);
                List<Fd> fds = new ArrayList<>();
                try {
                    c.receiveFully(header, fds, 3);
                    assertThat(header.get(JAVA_INT, 0))
                            .as("seed %d index", seed)
                            .isEqualTo(i);
                    assertThat(header.get(JAVA_INT, 4)).isEqualTo(nfds);
                    MemorySegment body =
                            i % 3 == 0 ? MemorySegment.ofArray(new byte[payload]) : arena.allocate(payload);
                    c.receiveFully(body, fds, 3);
                    assertThat(c.fdsDropped()).isZero();
                    assertThat(fds).as("seed %d message %d fds", seed, i).hasSize(nfds);
                    for (int j = 0; j < nfds; j++) {
                        assertThat(Files.size(
                                        Path.of("/proc/self/fd/" + fds.get(j).value())))
                                .isEqualTo(i * 4096L + j);
                    }
                    byte[] expected = new byte[payload];
                    new Random(seed * 1000 + i).nextBytes(expected);
                    assertThat(body.toArray(JAVA_BYTE))
                            .as("seed %d message %d", seed, i)
                            .isEqualTo(expected);
                } finally {
                    fds.forEach(Fd::close);
                }
            }
        } catch (Exception e) {
            throw new RuntimeException("receiver, seed " + seed, e);
        }
    }
}
