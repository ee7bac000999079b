package dev.jvfio.hw;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The GPU memory description the platform firmware gives the host (ACPI {@code _DSD} properties of
 * the GPU device, reference NV-2.1).
 *
 * @param memBasePa  {@code nvidia,gpu-mem-base-pa}: system physical base of the device memory
 * @param memSize    {@code nvidia,gpu-mem-size}: bytes of device memory; 0 when the chip-to-chip link is down
 * @param pxmStart   {@code nvidia,gpu-mem-pxm-start}: first proximity domain of the GPU memory nodes
 * @param pxmCount   {@code nvidia,gpu-mem-pxm-count}: number of those domains (8 by default)
 */
public record FirmwareProperties(long memBasePa, long memSize, long pxmStart, long pxmCount) {
    /** Default number of GPU memory proximity domains (one per MIG instance). */
    public static final long DEFAULT_PXM_COUNT = 8;
    /** Bytes of {@link #encode}: four little-endian u64. */
    public static final int ENCODED_SIZE = 32;

    public FirmwareProperties {
        if (memSize < 0 || pxmCount < 0 || pxmStart < 0) {
            throw new IllegalArgumentException("negative firmware property");
        }
    }

    /** Writes base, size, pxm start, pxm count as little-endian u64s (32 bytes). */
    public void encode(MemorySegment dst) {
        ValueLayout.OfLong le = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        dst.set(le, 0, memBasePa);
        dst.set(le, 8, memSize);
        dst.set(le, 16, pxmStart);
        dst.set(le, 24, pxmCount);
    }

    public byte[] encode() {
        byte[] out = new byte[ENCODED_SIZE];
        encode(MemorySegment.ofArray(out));
        return out;
    }
}
