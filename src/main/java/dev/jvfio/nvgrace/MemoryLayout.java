package dev.jvfio.nvgrace;

import dev.jvfio.device.Vfio;
import java.util.Optional;

/**
 * Where usemem (BAR4, cacheable) and resmem (BAR2, uncached) live inside device memory, derived
 * from the firmware's base and size the way the driver does it at probe (reference NV-2.4, NV-2.5).
 *
 * @param usemem the cacheable memory shown as BAR4; always present
 * @param resmem the uncached carve-out shown as BAR2, present only when the chip needs it
 */
public record MemoryLayout(MemRegion usemem, Optional<MemRegion> resmem) {
    /** The BAR region that shows usemem (NV-3.1). */
    static final int USEMEM_BAR = Vfio.PCI_BAR4_REGION_INDEX;
    /** The BAR region that shows resmem, when it exists (NV-3.1). */
    static final int RESMEM_BAR = Vfio.PCI_BAR2_REGION_INDEX;

    /**
     * Carves device memory.
     *
     * @param basePa   firmware {@code nvidia,gpu-mem-base-pa}
     * @param size     firmware {@code nvidia,gpu-mem-size}, > 0
     * @param carveOut true when the chip needs the uncached carve-out (Grace Hopper: the DVSEC bit
     *                 is absent or clear, NV-2.3)
     * @param rule     which kernel's rounding to follow
     * @throws IllegalArgumentException when the memory is too small to carve (the driver fails the
     *                                  device: usemem would be empty)
     */
    public static MemoryLayout carve(long basePa, long size, boolean carveOut, CarveRule rule) {
        if (size <= 0) {
            throw new IllegalArgumentException("device memory size must be positive: " + size);
        }
        if (!carveOut) {
            // NV-2.5: everything is usemem, cacheable, not rounded to the memory block.
            return new MemoryLayout(new MemRegion(basePa, 0, size, MemRegion.roundUpPow2(size)), Optional.empty());
        }
        long length = size - NvGraceConstants.RESMEM_SIZE;
        if (length <= 0) {
            throw new IllegalArgumentException(
                    "device memory of " + size + " bytes leaves nothing after the 1 GiB carve-out");
        }
        long barSize;
        if (rule == CarveRule.CURRENT) {
            barSize = MemRegion.roundUpPow2(length);
            length = roundDown(length, NvGraceConstants.MEMBLK_SIZE);
        } else {
            length = roundDown(length, NvGraceConstants.MEMBLK_SIZE);
            barSize = length == 0 ? 0 : MemRegion.roundUpPow2(length);
        }
        if (length == 0) {
            throw new IllegalArgumentException("device memory of " + size
                    + " bytes has no whole 512 MiB block left for usemem after the carve-out");
        }
        MemRegion usemem = new MemRegion(basePa, 0, length, barSize);
        long resLength = size - length; // in [1 GiB, 1.5 GiB)
        MemRegion resmem = new MemRegion(basePa + length, length, resLength, MemRegion.roundUpPow2(resLength));
        return new MemoryLayout(usemem, Optional.of(resmem));
    }

    private static long roundDown(long value, long block) {
        return value - Long.remainderUnsigned(value, block);
    }

    /** The region shown at a BAR region index (BAR2 = resmem, BAR4 = usemem), or empty. */
    public Optional<MemRegion> forRegion(int index) {
        return switch (index) {
            case USEMEM_BAR -> Optional.of(usemem);
            case RESMEM_BAR -> resmem;
            default -> Optional.empty();
        };
    }
}
