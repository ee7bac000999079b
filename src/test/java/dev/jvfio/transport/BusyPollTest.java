package dev.jvfio.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * UnixConnection.busyPoll and pollFirst: receive spins on a non-blocking recvmsg and still gets
 * every byte; a bounded poll goes on to sleep in the kernel for bytes that come later.
 */
class BusyPollTest {
    @Test
    @Timeout(20)
    void busyPollingReceiveGetsLateBytesAndSeesShutdown() throws Exception {
        UnixConnection[] pair = UnixConnection.pair();
        try (UnixConnection a = pair[0];
                UnixConnection b = pair[1];
                Arena arena = Arena.ofShared()) {
            b.busyPoll(true);
            assertThat(receivedLate(a, b, arena, 0x1122334455667788L, 3, 5)).isEqualTo(0x1122334455667788L);
            MemorySegment in = arena.allocate(8);

            shutdownLater(b); // the receive is spinning by then
            assertThat(b.receive(in, null, 0)).isZero(); // a spinning receive ends on shutdown
        }
    }

    @Test
    @Timeout(20)
    void boundedPollSleepsForBytesThatComeAfterIt() throws Exception {
        UnixConnection[] pair = UnixConnection.pair();
        try (UnixConnection a = pair[0];
                UnixConnection b = pair[1];
                Arena arena = Arena.ofShared()) {
            b.pollFirst(100_000); // 100 us, far shorter than the sender's pause
            assertThat(receivedLate(a, b, arena, 0x0102030405060708L, 8)).isEqualTo(0x0102030405060708L);

            MemorySegment out = arena.allocate(8);
            MemorySegment in = arena.allocate(8);
            a.send(out.asSlice(0, 4)); // already there: the poll finds it
            assertThat(b.receive(in, null, 0)).isEqualTo(4);

            shutdownLater(b); // long past the poll: the receive sleeps in the kernel
            assertThat(b.receive(in, null, 0))
                    .as("a receive past its poll ends on shutdown")
                    .isZero();
        }
        pair = UnixConnection.pair();
        try (UnixConnection a = pair[0];
                UnixConnection b = pair[1];
                Arena arena = Arena.ofShared()) {
            MemorySegment in = arena.allocate(8);
            b.pollFirst(0); // off: a plain sleeping receive, which a peer's close ends
            a.close();
            assertThat(b.receive(in, null, 0)).isZero();
            assertThatThrownBy(() -> b.pollFirst(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * Sends {@code value} from {@code a} in pieces of the given sizes, each after a 50 ms pause (the
     * receiver is already waiting), while {@code b} receives all 8 bytes; returns what {@code b} got.
     */
    static long receivedLate(UnixConnection a, UnixConnection b, Arena arena, long value, int... pieces)
            throws Exception {
        MemorySegment out = arena.allocate(8);
        out.set(ValueLayout.JAVA_LONG, 0, value);
        CompletableFuture<Void> late = CompletableFuture.runAsync(() -> {
            try {
                long at = 0;
                for (int n : pieces) {
                    Thread.sleep(50);
                    a.send(out.asSlice(at, n));
                    at += n;
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        MemorySegment in = arena.allocate(8);
        b.receiveFully(in, null, 0);
        late.get(10, TimeUnit.SECONDS);
        return in.get(ValueLayout.JAVA_LONG, 0);
    }

    /** Shuts {@code c} down from another thread after 100 ms, while this one receives. */
    static void shutdownLater(UnixConnection c) {
        CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ignored) {
                // shut down anyway
            }
            c.shutdown();
        });
    }
}
