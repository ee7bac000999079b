package dev.jvfio.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A connection's native scratch (msghdr, control buffer, 64 KiB staging per direction) is freed by
 * close() once no call is inside, not left to the garbage collector: a client connecting and
 * closing in a loop must not grow native memory.
 */
class ConnectionScratchTest {
    private Path dir;

    @BeforeEach
    void dir() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
    }

    @AfterEach
    void clean() throws IOException {
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    @Test
    void thousandConnectCloseCyclesFreeAllScratchWithoutGc() throws Exception {
        int before = UnixConnection.LIVE_SCRATCH.get();
        List<UnixConnection> all = new ArrayList<>(); // strongly held: only close() can free them
        byte[] message = new byte[100_000]; // a heap segment: both ends use their staging buffers
        try (UnixServerSocket server = UnixServerSocket.listen(dir.resolve("s"), SocketAccess.ownerOnly())) {
            for (int i = 0; i < 1000; i++) {
                UnixConnection client = UnixConnection.connect(server.path());
                UnixConnection served = server.accept();
                all.add(client);
                all.add(served);
                message[0] = (byte) i;
                Thread sender = Thread.ofPlatform().start(() -> {
                    try {
                        client.send(MemorySegment.ofArray(message));
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                byte[] got = new byte[message.length];
                served.receiveFully(MemorySegment.ofArray(got), null, 0);
                sender.join();
                assertThat(got[0]).isEqualTo((byte) i);
                client.close();
                served.close();
            }
        }
        assertThat(all).allMatch(UnixConnection::scratchFreed);
        assertThat(UnixConnection.LIVE_SCRATCH.get()).isLessThanOrEqualTo(before);
    }

    @Test
    void closeDuringABlockedReceiveEndsItCleanlyAndFreesTheScratchAfterItLeft() throws Exception {
        UnixConnection[] pair = UnixConnection.pair();
        try (UnixConnection other = pair[1]) {
            UnixConnection c = pair[0];
            Object[] outcome = new Object[1];
            Thread receiver = Thread.ofPlatform().start(() -> {
                try {
                    outcome[0] = c.receive(MemorySegment.ofArray(new byte[16]), null, 0);
                } catch (IOException | RuntimeException e) {
                    outcome[0] = e;
                }
            });
            for (int i = 0; i < 2000 && !receiverInCall(receiver); i++) {
                Thread.sleep(5); // usually at once; if never seen, close() still races a receive: same rules
            }
            c.close();
            receiver.join();
            assertThat(outcome[0])
                    .as("a receive cut off by close returns 0 or ClosedException, never an "
                            + "IllegalStateException of freed memory")
                    .satisfiesAnyOf(
                            o -> assertThat(o).isEqualTo(0), o -> assertThat(o).isInstanceOf(ClosedException.class));
            assertThat(c.scratchFreed()).isTrue();
            assertThatThrownBy(() -> c.send(MemorySegment.ofArray(new byte[] {1})))
                    .isInstanceOf(ClosedException.class);
        }
    }

    /** The receiver thread is inside recvmsg (its stack shows the downcall). */
    private static boolean receiverInCall(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().equals("recvmsg")) {
                return true;
            }
        }
        return false;
    }
}
