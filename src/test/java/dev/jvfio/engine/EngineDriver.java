package dev.jvfio.engine;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * Drives a {@link CopyEngine} block through the Java client as guest software would (docs/dma-engine.md):
 * 32-bit little-endian register accesses to BAR0 at {@code base}.
 */
public record EngineDriver(VfioUserClient client, long base) {
    /** Only a broken engine waits this long; nothing asserts on time. */
    public static final Duration PATIENCE = Duration.ofSeconds(30);

    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public int read(int reg) throws Exception {
        return MemorySegment.ofArray(client.read(Vfio.PCI_BAR0_REGION_INDEX, base + reg, 4))
                .get(LE32, 0);
    }

    public void write(int reg, int value) throws Exception {
        byte[] b = new byte[4];
        MemorySegment.ofArray(b).set(LE32, 0, value);
        client.write(Vfio.PCI_BAR0_REGION_INDEX, base + reg, b);
    }

    public long read64(int loReg) throws Exception {
        return Integer.toUnsignedLong(read(loReg)) | (long) read(loReg + 4) << 32;
    }

    /** SRC, DST, LEN and CTRL in one 24-byte REGION_WRITE (dwords are written in address order). */
    public void program(long src, long dst, long len, int ctrl) throws Exception {
        byte[] b = new byte[24];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, src);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8, dst);
        s.set(LE32, 16, (int) len);
        s.set(LE32, 20, ctrl);
        client.write(Vfio.PCI_BAR0_REGION_INDEX, base + CopyEngine.SRC_LO, b);
    }

    public void ring() throws Exception {
        write(CopyEngine.DOORBELL, 1);
    }

    /** Polls STATUS until the engine is no longer busy; returns the final status. */
    public int awaitStatus() throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        int s;
        while ((s = read(CopyEngine.STATUS)) == CopyEngine.STATUS_BUSY) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("engine still busy after " + PATIENCE);
            }
            Thread.onSpinWait();
        }
        return s;
    }

    /** Program, ring, wait: the final status. */
    public int copy(long src, long dst, long len, int ctrl) throws Exception {
        program(src, dst, len, ctrl);
        ring();
        return awaitStatus();
    }
}
