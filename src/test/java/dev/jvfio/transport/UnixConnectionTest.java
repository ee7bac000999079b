package dev.jvfio.transport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.Seeds;
import dev.jvfio.os.Fd;
import dev.jvfio.os.NativeException;
import java.io.EOFException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UnixConnectionTest extends ConnectedPairTest {
    private static MemorySegment bytes(String s) {
        return MemorySegment.ofArray(s.getBytes());
    }

    @Test
    void bytesArriveIntactFromNativeAndHeapSegments() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeOut = arena.allocate(5);
            nativeOut.copyFrom(bytes("hello"));
            a.send(nativeOut);
            a.send(bytes(" world"));
            MemorySegment in = MemorySegment.ofArray(new byte[11]);
            b.receiveFully(in, null, 0);
            assertThat(new String(in.toArray(JAVA_BYTE))).isEqualTo("hello world");
        }
    }

    @Test
    void largeMessageSentWhileTheOtherThreadReceivesArrivesWhole() throws Exception {
        long seed = Seeds.of(0x1A26EL);
        byte[] data = new byte[3 << 20]; // larger than the socket buffer: forces partial writes
        new Random(seed).nextBytes(data);
        CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
            try {
                a.send(MemorySegment.ofArray(data));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(data.length);
            b.receiveFully(in, null, 0);
            sender.get(60, TimeUnit.SECONDS);
            assertThat(in.toArray(JAVA_BYTE)).as("seed %d", seed).isEqualTo(data);
        }
    }

    @Test
    void receiveReturnsZeroAtEndOfStreamAndReceiveFullyThrowsEof() throws Exception {
        a.send(bytes("abc"));
        a.close();
        MemorySegment in = MemorySegment.ofArray(new byte[8]);
        assertThatThrownBy(() -> b.receiveFully(in, null, 0))
                .isInstanceOf(EOFException.class)
                .hasMessageContaining("3 of 8");
        assertThat(b.receive(in, null, 0)).isZero();
    }

    @Test
    void shutdownUnblocksAReceiveBlockedInAnotherThread() throws Exception {
        CompletableFuture<Integer> receiver = CompletableFuture.supplyAsync(() -> {
            try {
                return b.receive(MemorySegment.ofArray(new byte[16]), new ArrayList<>(), 4);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100); // give it a chance to block; the test holds either way
        b.shutdown();
        assertThat(receiver.get(60, TimeUnit.SECONDS)).isZero();
        b.shutdown(); // idempotent
        assertThat(a.receive(MemorySegment.ofArray(new byte[1]), null, 0))
                .as("peer sees EOF")
                .isZero();
    }

    @Test
    void closeUnblocksAReceiveAndLaterCallsThrowClosedException() throws Exception {
        CompletableFuture<Integer> receiver = CompletableFuture.supplyAsync(() -> {
            try {
                return b.receive(MemorySegment.ofArray(new byte[16]), null, 0);
            } catch (ClosedException e) {
                return -1;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100);
        b.close();
        assertThat(receiver.get(60, TimeUnit.SECONDS)).isIn(0, -1);
        b.close(); // idempotent
        assertThat(b.fd().isOpen()).isFalse();
        assertThatThrownBy(() -> b.receive(MemorySegment.ofArray(new byte[1]), null, 0))
                .isInstanceOf(ClosedException.class);
        assertThatThrownBy(() -> b.send(bytes("x"))).isInstanceOf(ClosedException.class);
    }

    @Test
    void closeUnblocksASenderStuckOnAPeerThatStoppedReading() throws Exception {
        CompletableFuture<Throwable> sender = CompletableFuture.supplyAsync(() -> {
            try {
                a.send(MemorySegment.ofArray(new byte[16 << 20])); // far more than the socket buffers hold
                return null;
            } catch (Exception e) {
                return e;
            }
        });
        Thread.sleep(100); // give it a chance to block; the test holds either way
        a.close();
        assertThat(sender.get(60, TimeUnit.SECONDS)).isInstanceOf(ClosedException.class);
    }

    @Test
    void aSendTimeoutTurnsAPeerThatStoppedReadingIntoAnException() throws Exception {
        a.sendTimeout(Duration.ofMillis(50));
        assertThatThrownBy(() -> a.send(MemorySegment.ofArray(new byte[16 << 20])))
                .isInstanceOf(SocketTimeoutException.class)
                .hasMessageContaining("not reading");
    }

    @Test
    void aReceiveTimeoutEndsAWaitForBytesThatNeverCome() throws Exception {
        b.receiveTimeout(Duration.ofMillis(20));
        assertThatThrownBy(() -> b.receive(MemorySegment.ofArray(new byte[4]), null, 0))
                .isInstanceOf(SocketTimeoutException.class);
        b.receiveTimeout(Duration.ZERO); // back to waiting forever: data still flows
        a.send(bytes("late"));
        MemorySegment in = MemorySegment.ofArray(new byte[4]);
        b.receiveFully(in, null, 0);
        assertThat(new String(in.toArray(JAVA_BYTE))).isEqualTo("late");
    }

    @Test
    void sendingToAClosedPeerFailsWithEpipeInsteadOfKillingTheProcess() throws Exception {
        b.close();
        assertThatThrownBy(() -> a.send(bytes("anyone there?")))
                .isInstanceOf(NativeException.class)
                .hasMessageContaining("sendmsg")
                .satisfies(e -> assertThat(((NativeException) e).errno()).isEqualTo(32));
    }

    @Test
    void peerCredentialsAreOurOwn() throws Exception {
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        PeerCredentials c = a.peerCredentials();
        assertThat(c)
                .isEqualTo(new PeerCredentials((int) ProcessHandle.current().pid(), uid, gid));
    }

    @Test
    void aReadOnlyBufferIsRefusedRatherThanWrittenThrough() {
        MemorySegment ro = MemorySegment.ofArray(new byte[4]).asReadOnly();
        assertThatThrownBy(() -> b.receive(ro, null, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.receiveFully(ro, null, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closingTheRawFdBehindTheConnectionsBackGivesClosedException() throws Exception {
        b.fd().close();
        assertThatThrownBy(() -> b.receive(MemorySegment.ofArray(new byte[1]), null, 0))
                .isInstanceOf(ClosedException.class);
        b.shutdown();
        b.close();
    }

    @Test
    void fdsWithoutDataAndTooManyFdsAreRefusedBeforeSending() throws Exception {
        try (Fd fd = a.fd().duplicate()) {
            assertThatThrownBy(() -> a.send(MemorySegment.ofArray(new byte[0]), List.of(fd)))
                    .isInstanceOf(IllegalArgumentException.class);
            List<Fd> many = new ArrayList<>();
            for (int i = 0; i < 254; i++) {
                many.add(fd);
            }
            assertThatThrownBy(() -> a.send(bytes("x"), many))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("253");
        }
    }
}
