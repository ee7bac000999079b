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
            MemorySegment out = arena.allocate(8);
            out.set(ValueLayout.JAVA_LONG, 0, 0x1122334455667788L);
            CompletableFuture<Void> late = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(50); // the receiver is already spinning
                    a.send(out.asSlice(0, 3));
                    Thread.sleep(20);
                    a.send(out.asSlice(3, 5));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            MemorySegment in = arena.allocate(8);
            b.receiveFully(in, null, 0);
            late.get(10, TimeUnit.SECONDS);
            assertThat(in.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x1122334455667788L);

            CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ignored) {
                    // shut down anyway
                }
                b.shutdown();
            });
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
            b.pollFirst(100_000); // 100 us, far shorter than the sender's delay
            MemorySegment out = arena.allocate(8);
            out.set(ValueLayout.JAVA_LONG, 0, 0x0102030405060708L);
            CompletableFuture<Void> late = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(100);
                    a.send(out);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            MemorySegment in = arena.allocate(8);
            b.receiveFully(in, null, 0);
            late.get(10, TimeUnit.SECONDS);
            assertThat(in.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x0102030405060708L);

            a.send(out.asSlice(0, 4)); // already there: the poll finds it
            assertThat(b.receive(in, null, 0)).isEqualTo(4);

            b.pollFirst(0); // off again: a plain sleeping receive, which a peer's close ends
            a.close();
            assertThat(b.receive(in, null, 0)).isZero();
            assertThatThrownBy(() -> b.pollFirst(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
