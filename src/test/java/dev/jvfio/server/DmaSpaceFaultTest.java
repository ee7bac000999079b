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

/** The server side of device DMA (docs/dma-engine.md): the DMA table as a DmaSpace with typed faults. */
class DmaSpaceFaultTest {

    static MappedMemory window(DmaTable t, long iova, long size, boolean writable) throws Exception {
        try (Fd fd = Memfd.create("w", size)) {
            MappedMemory m = MappedMemory.map(fd, 0, size, true);
            assertThat(t.map(iova, size, true, writable, MappedMemory.map(fd, 0, size, writable))).isZero();
            return m;
        }
    }

    @Test
    @DisplayName("DMA-2.2 DMA-3.1 one access spans adjacent windows; a gap faults NOT_MAPPED at its first byte, after the bytes before it moved")
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
    @DisplayName("DMA-3.5 DMA-3.1 a window without WRITE faults NOT_WRITABLE, without READ NOT_READABLE, at the access's address")
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
    @DisplayName("DMA-2.3 VU-8.5: device work handed over from another thread waits while the session serves a request")
    void replyGateOtherThread() throws Exception {
        DmaTable t = new DmaTable(10);
        t.gate().enter();
        CountDownLatch passed = new CountDownLatch(1);
        Thread other = Thread.ofVirtual().start(() -> t.afterReply(() -> Thread.ofVirtual().start(() -> {
            try {
                t.awaitReplySent(); // what a worker woken from another thread does
                passed.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })));
        other.join();
        assertThat(passed.await(50, TimeUnit.MILLISECONDS)).isFalse();
        t.gate().leave();
        assertThat(passed.await(30, TimeUnit.SECONDS)).isTrue();
        t.close();
    }

    @Test
    @DisplayName("DMA-2.3 VU-8.5: the signal for device work a request started runs after the outermost leave (the reply)")
    void replyGateSessionThread() throws Exception {
        DmaTable t = new DmaTable(10);
        CountDownLatch passed = new CountDownLatch(1);
        Thread[] ranOn = new Thread[1];
        t.gate().enter(); // serving a request
        t.afterReply(() -> {
            ranOn[0] = Thread.currentThread();
            passed.countDown();
        });
        t.gate().enter(); // the reply's own send nests inside
        t.gate().leave();
        assertThat(passed.getCount()).as("not before the request is over").isEqualTo(1);
        t.gate().leave();
        assertThat(passed.getCount()).as("run by the outermost leave").isZero();
        assertThat(ranOn[0]).as("on the session thread, after the reply: it only wakes a worker").isSameAs(Thread.currentThread());
        t.close();
    }
}
