package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.DmaFault;
import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The server side of device DMA: the client's windows as the device's DmaSpace, with typed faults
 * at the first address not reached, and device work held back until the reply (VU-8.5).
 */
class ClientMemoryTest {
    private final DmaTable table = new DmaTable(10);
    private final ReplyGate gate = new ReplyGate();
    private final ClientMemory memory = new ClientMemory(table, gate, ServerMetrics.NONE);

    @AfterEach
    void close() {
        for (DmaWindow w : table.removeAll(true)) {
            if (w.memory() != null) {
                w.memory().close();
            }
        }
    }

    /** Maps a fresh memfd window; returns a second mapping of the same memory, for the test to look. */
    private MappedMemory window(long iova, long size, boolean writable) throws Exception {
        try (Fd fd = Memfd.create("w", size)) {
            MappedMemory m = MappedMemory.map(fd, 0, size, true);
            assertThat(table.add(new DmaWindow(iova, size, true, writable, MappedMemory.map(fd, 0, size, writable))))
                    .isZero();
            return m;
        }
    }

    @Test
    @DisplayName(
            "VU-6.1 DMA-2.2 DMA-3.1 one access spans adjacent windows; a gap faults NOT_MAPPED at its first byte, after the bytes before it moved")
    void vu_6_1_spans_and_gaps() throws Exception {
        try (MappedMemory a = window(0x10000, 0x1000, true);
                MappedMemory b = window(0x11000, 0x1000, true)) {
            a.segment().set(ValueLayout.JAVA_BYTE, 0xFFF, (byte) 1);
            b.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 2);
            MemorySegment two = MemorySegment.ofArray(new byte[2]);
            memory.read(0x10FFF, two);
            assertThat(two.toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2);
            memory.write(0x10FFF, MemorySegment.ofArray(new byte[] {7, 8}));
            assertThat(b.segment().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 8);
            MemorySegment big = MemorySegment.ofArray(new byte[0x2000]);
            assertThatThrownBy(() -> memory.read(0x10800, big)).isInstanceOfSatisfying(DmaFault.class, f -> {
                assertThat(f.kind()).isEqualTo(DmaFault.Kind.NOT_MAPPED);
                assertThat(f.address()).isEqualTo(0x12000);
            });
            assertThat(big.get(ValueLayout.JAVA_BYTE, 0x7FF))
                    .as("bytes before the gap moved")
                    .isEqualTo((byte) 7);
        }
    }

    @Test
    @DisplayName(
            "VU-6.1 DMA-3.5 a window without WRITE faults NOT_WRITABLE, without READ NOT_READABLE, at the access's address")
    void vu_6_1_permissions() throws Exception {
        try (MappedMemory ro = window(0x20000, 0x1000, false)) {
            assertThatThrownBy(() -> memory.write(0x20010, MemorySegment.ofArray(new byte[4])))
                    .isInstanceOfSatisfying(DmaFault.class, f -> {
                        assertThat(f.kind()).isEqualTo(DmaFault.Kind.NOT_WRITABLE);
                        assertThat(f.address()).isEqualTo(0x20010);
                    });
            assertThat(table.add(new DmaWindow(0x30000, 0x1000, false, true, null)))
                    .isZero();
            assertThatThrownBy(() -> memory.read(0x30000, MemorySegment.ofArray(new byte[4])))
                    .isInstanceOfSatisfying(
                            DmaFault.class, f -> assertThat(f.kind()).isEqualTo(DmaFault.Kind.NOT_READABLE));
        }
    }

    @Test
    @DisplayName(
            "VU-6.3 fd-backed windows are copied; bounds, permissions, a window without fd (no message channel) and a closed table are EFAULT")
    void vu_6_3_bounds_and_message_windows() throws Exception {
        try (MappedMemory mem = window(0x10_0000, 0x4000, false)) {
            assertThat(table.add(new DmaWindow(0x20_0000, 0x1000, true, true, null)))
                    .isZero();
            mem.segment().set(ValueLayout.JAVA_LONG, 0x3FF8, 0x1122334455667788L);
            MemorySegment eight = MemorySegment.ofArray(new byte[8]);
            memory.read(0x10_3FF8, eight);
            assertThat(eight.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(0x1122334455667788L);
            assertThatThrownBy(() -> memory.read(0x10_3FFC, eight))
                    .isInstanceOfSatisfying(
                            VfioException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT)); // runs off the window
            assertThatThrownBy(() -> memory.write(0x10_0000, eight))
                    .isInstanceOfSatisfying(
                            VfioException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT)); // read-only window
            assertThatThrownBy(() -> memory.read(0x20_0000, eight))
                    .isInstanceOfSatisfying(
                            VfioException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT)); // no fd, no VERSION yet
            assertThatThrownBy(() -> memory.read(0x0F_FFFC, eight))
                    .isInstanceOfSatisfying(
                            VfioException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT)); // starts below
            close();
            assertThatThrownBy(() -> memory.read(0x10_0000, eight))
                    .isInstanceOfSatisfying(
                            DmaFault.class, f -> assertThat(f.kind()).isEqualTo(DmaFault.Kind.NOT_MAPPED));
        }
    }

    @Test
    @DisplayName(
            "VU-6.3 a window without an fd faults while the session serves a request: a message now would come before the reply (VU-8.5)")
    void vu_6_3_no_message_dma_while_serving() {
        assertThat(table.add(new DmaWindow(0x40000, 0x1000, true, true, null))).isZero();
        gate.enter();
        try {
            assertThatThrownBy(() -> memory.read(0x40000, MemorySegment.ofArray(new byte[4])))
                    .isInstanceOfSatisfying(DmaFault.class, f -> {
                        assertThat(f.address()).isEqualTo(0x40000);
                        assertThat(f.getMessage()).contains("VU-8.5");
                    });
        } finally {
            gate.leave();
        }
    }

    @Test
    @DisplayName(
            "VU-6.2 a window whose file the client truncated faults NOT_MAPPED at the access instead of crashing (SIGBUS)")
    void vu_6_2_truncated_file_is_a_fault() throws Exception {
        try (Fd fd = Memfd.create("shrunk", 0x2000)) {
            assertThat(table.add(new DmaWindow(0x50000, 0x2000, true, true, MappedMemory.map(fd, 0, 0x2000, true))))
                    .isZero();
            memory.write(0x51000, MemorySegment.ofArray(new byte[] {1}));
            try (FileChannel ch = FileChannel.open(Path.of("/proc/self/fd/" + fd.value()), StandardOpenOption.WRITE)) {
                ch.truncate(0x1000);
            }
            memory.read(0x50000, MemorySegment.ofArray(new byte[4])); // the page that is left
            assertThatThrownBy(() -> memory.read(0x51000, MemorySegment.ofArray(new byte[4])))
                    .isInstanceOfSatisfying(DmaFault.class, f -> {
                        assertThat(f.kind()).isEqualTo(DmaFault.Kind.NOT_MAPPED);
                        assertThat(f.address()).isEqualTo(0x51000);
                    });
        }
    }

    @Test
    @DisplayName("VU-8.5 DMA-2.3 device work handed over from another thread waits while the session serves a request")
    void vu_8_5_reply_gate_other_thread() throws Exception {
        gate.enter();
        CountDownLatch passed = new CountDownLatch(1);
        Thread other = Thread.ofVirtual()
                .start(() -> memory.afterReply(() -> Thread.ofVirtual().start(() -> {
                    try {
                        memory.awaitReplySent(); // what a worker woken from another thread does
                        passed.countDown();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })));
        other.join();
        assertThat(passed.await(50, TimeUnit.MILLISECONDS)).isFalse();
        gate.leave();
        assertThat(passed.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    @DisplayName(
            "VU-8.5 DMA-2.3 the signal for device work a request started runs after the outermost leave (the reply)")
    void vu_8_5_reply_gate_session_thread() {
        CountDownLatch passed = new CountDownLatch(1);
        Thread[] ranOn = new Thread[1];
        gate.enter(); // serving a request
        memory.afterReply(() -> {
            ranOn[0] = Thread.currentThread();
            passed.countDown();
        });
        gate.enter(); // the reply's own send nests inside
        gate.leave();
        assertThat(passed.getCount()).as("not before the request is over").isEqualTo(1);
        gate.leave();
        assertThat(passed.getCount()).as("run by the outermost leave").isZero();
        assertThat(ranOn[0])
                .as("on the session thread, after the reply: it only wakes a worker")
                .isSameAs(Thread.currentThread());
    }
}
