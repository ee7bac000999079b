package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.DmaFault;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Issue 11, the server side of device DMA: the DMA table as a DmaSpace with typed faults. */
class DmaSpaceFaultTest {

    static MappedMemory window(DmaTable t, long iova, long size, boolean writable) throws Exception {
        try (Fd fd = Memfd.create("w", size)) {
            MappedMemory m = MappedMemory.map(fd, 0, size, true);
            assertThat(t.map(iova, size, true, writable, MappedMemory.map(fd, 0, size, writable))).isZero();
            return m;
        }
    }

    @Test
    @DisplayName("issue 11: one access spans adjacent windows; a gap faults NOT_MAPPED at its first byte, after the bytes before it moved")
    void spansAndGaps() throws Exception {
        DmaTable t = new DmaTable(10);
        try (MappedMemory a = window(t, 0x10000, 0x1000, true); MappedMemory b = window(t, 0x11000, 0x1000, true)) {
            a.segment().set(ValueLayout.JAVA_BYTE, 0xFFF, (byte) 1);
            b.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 2);
            MemorySegment two = MemorySegment.ofArray(new byte[2]);
            t.read(0x10FFF, two);
            assertThat(two.toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2);
            t.write(0x10FFF, MemorySegment.ofArray(new byte[] {7, 8}));
            assertThat(b.segment().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 8);
            MemorySegment big = MemorySegment.ofArray(new byte[0x2000]);
            assertThatThrownBy(() -> t.read(0x10800, big)).isInstanceOfSatisfying(DmaFault.class, f -> {
                assertThat(f.kind()).isEqualTo(DmaFault.Kind.NOT_MAPPED);
                assertThat(f.address()).isEqualTo(0x12000);
            });
            assertThat(big.get(ValueLayout.JAVA_BYTE, 0x7FF)).as("bytes before the gap moved").isEqualTo((byte) 7);
        } finally {
            t.close();
        }
    }

    @Test
    @DisplayName("issue 11: a window without WRITE faults NOT_WRITABLE, without READ NOT_READABLE, at the access's address")
    void permissions() throws Exception {
        DmaTable t = new DmaTable(10);
        try (MappedMemory ro = window(t, 0x20000, 0x1000, false)) {
            assertThatThrownBy(() -> t.write(0x20010, MemorySegment.ofArray(new byte[4])))
                    .isInstanceOfSatisfying(DmaFault.class, f -> {
                        assertThat(f.kind()).isEqualTo(DmaFault.Kind.NOT_WRITABLE);
                        assertThat(f.address()).isEqualTo(0x20010);
                    });
            assertThat(t.map(0x30000, 0x1000, false, true, null)).isZero();
            assertThatThrownBy(() -> t.read(0x30000, MemorySegment.ofArray(new byte[4])))
                    .isInstanceOfSatisfying(DmaFault.class, f -> assertThat(f.kind()).isEqualTo(DmaFault.Kind.NOT_READABLE));
        } finally {
            t.close();
        }
    }

    @Test
    @DisplayName("issue 11 VU-8.5: device work waits on the reply gate while the session serves a request")
    void replyGate() throws Exception {
        DmaTable t = new DmaTable(10);
        t.gate().enter();
        CountDownLatch passed = new CountDownLatch(1);
        Thread worker = Thread.ofVirtual().start(() -> {
            try {
                t.awaitReplySent();
                passed.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(passed.await(50, TimeUnit.MILLISECONDS)).isFalse();
        t.gate().leave();
        assertThat(passed.await(30, TimeUnit.SECONDS)).isTrue();
        worker.join();
        t.close();
    }
}
