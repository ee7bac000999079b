package dev.jvfio.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** UnixConnection.send(head, body): both parts arrive in order, byte for byte, also when partial writes split them. */
class GatherSendTest {
    @Test
    @Timeout(30)
    void headThenBodyArriveInOrderThroughPartialWrites() throws Exception {
        long seed = Seeds.of(0x6A7E5L);
        Random random = new Random(seed);
        UnixConnection[] pair = UnixConnection.pair();
        try (UnixConnection a = pair[0];
                UnixConnection b = pair[1];
                Arena arena = Arena.ofShared()) {
            for (int bodySize : new int[] {1, 4096, 3 << 20}) { // 3 MiB: far more than one socket buffer
                byte[] expected = new byte[32 + bodySize];
                random.nextBytes(expected);
                MemorySegment head = arena.allocate(32);
                MemorySegment body = arena.allocate(bodySize);
                head.copyFrom(MemorySegment.ofArray(expected).asSlice(0, 32));
                body.copyFrom(MemorySegment.ofArray(expected).asSlice(32, bodySize));
                MemorySegment got = arena.allocate(expected.length);
                CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                    try {
                        b.receiveFully(got, null, 0);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                a.send(head, body);
                reader.get(20, TimeUnit.SECONDS);
                assertThat(got.toArray(ValueLayout.JAVA_BYTE))
                        .as("seed %d body %d", seed, bodySize)
                        .isEqualTo(expected);
            }
            // a heap part falls back to two sends, same bytes
            byte[] heapHead = {1, 2, 3};
            MemorySegment body = arena.allocate(5);
            body.fill((byte) 9);
            a.send(MemorySegment.ofArray(heapHead), body);
            MemorySegment got = arena.allocate(8);
            b.receiveFully(got, null, 0);
            assertThat(got.toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2, 3, 9, 9, 9, 9, 9);
        }
    }
}
