package dev.jvfio.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * UnixConnection.receive(head, body): one recvmsg fills head, then body, in stream order; it takes
 * no more than both hold, and the next plain receive uses its own buffer only.
 */
class ScatterReceiveTest {
    @Test
    @Timeout(30)
    void headThenBodyFilledInOrderAndNothingBeyond() throws Exception {
        long seed = Seeds.of(0x5CA77E5L);
        Random random = new Random(seed);
        UnixConnection[] pair = UnixConnection.pair();
        try (UnixConnection a = pair[0];
                UnixConnection b = pair[1];
                Arena arena = Arena.ofShared()) {
            byte[] sent = new byte[32 + 4096 + 100];
            random.nextBytes(sent);
            a.send(MemorySegment.ofArray(sent));
            MemorySegment head = arena.allocate(32);
            MemorySegment body = arena.allocate(4096);
            int n = b.receive(head, body, null, 0);
            assertThat(n)
                    .as("seed %d: both parts, not the 100 bytes after them", seed)
                    .isEqualTo(32 + 4096);
            assertThat(head.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(Arrays.copyOfRange(sent, 0, 32));
            assertThat(body.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(Arrays.copyOfRange(sent, 32, 32 + 4096));

            body.fill((byte) 0);
            MemorySegment rest = arena.allocate(100);
            assertThat(b.receive(rest, null, 0)).isEqualTo(100);
            assertThat(rest.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(Arrays.copyOfRange(sent, 32 + 4096, sent.length));
            assertThat(body.toArray(ValueLayout.JAVA_BYTE))
                    .as("a plain receive after a scatter one writes only its own buffer")
                    .containsOnly(0);

            byte[] shortOne = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
            a.send(MemorySegment.ofArray(shortOne));
            head.fill((byte) 0);
            assertThat(b.receive(head, body, null, 0))
                    .as("fewer bytes than head holds: head only")
                    .isEqualTo(10);
            assertThat(head.asSlice(0, 10).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(shortOne);
            assertThat(body.toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);

            a.close();
            assertThat(b.receive(head, body, null, 0)).as("end of stream").isZero();
            assertThatThrownBy(() -> b.receive(MemorySegment.ofArray(new byte[4]), body, null, 0))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
