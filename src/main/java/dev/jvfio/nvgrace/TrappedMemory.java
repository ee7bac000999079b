package dev.jvfio.nvgrace;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;

/**
 * Trapped read/write of an emulated memory BAR (reference NV-4.1, NV-4.2, NV-4.4), as pure functions
 * over the slice of device memory that backs the BAR ({@code memory.byteSize() == region.length()}).
 */
final class TrappedMemory {
    private TrappedMemory() {}

    /**
     * NV-4.1/4.2: EINVAL at or beyond the BAR size; the count is clipped to the BAR; bytes below the
     * memory length come from memory, the rest of the clipped count reads 0xFF.
     *
     * @param resmemQuirk NV-4.4 (kernel-exact mode, resmem only): an access that straddles the
     *                    memory length returns only the in-memory byte count and fills nothing
     * @return bytes produced (the clipped count, or the in-memory count under the quirk)
     */
    static int read(MemRegion region, MemorySegment memory, long offset, MemorySegment dst, boolean resmemQuirk)
            throws VfioException {
        int count = clip(region, offset, dst.byteSize());
        int memCount = inMemory(region, offset, count);
        if (memCount > 0) {
            MemorySegment.copy(memory, offset, dst, 0, memCount);
            if (resmemQuirk) {
                return memCount;
            }
        }
        if (memCount < count) {
            dst.asSlice(memCount, count - memCount).fill((byte) 0xFF);
        }
        return count;
    }

    /** NV-4.1/4.2: like {@link #read}; bytes at or beyond the memory length are dropped. */
    static int write(MemRegion region, MemorySegment memory, long offset, MemorySegment src, boolean resmemQuirk)
            throws VfioException {
        int count = clip(region, offset, src.byteSize());
        int memCount = inMemory(region, offset, count);
        if (memCount > 0) {
            MemorySegment.copy(src, 0, memory, offset, memCount);
            if (resmemQuirk) {
                return memCount;
            }
        }
        return count;
    }

    /** Reads as the hardware answers while memory is disabled or during reset: all ones (NV-6.2). */
    static int readAllOnes(MemRegion region, long offset, MemorySegment dst) throws VfioException {
        int count = clip(region, offset, dst.byteSize());
        dst.asSlice(0, count).fill((byte) 0xFF);
        return count;
    }

    /** Writes as the hardware takes them while memory is disabled: dropped, full count reported. */
    static int dropWrite(MemRegion region, long offset, MemorySegment src) throws VfioException {
        return clip(region, offset, src.byteSize());
    }

    /** NV-4.1: the clipped count, or EINVAL when the offset is outside the BAR. */
    static int clip(MemRegion region, long offset, long requested) throws VfioException {
        if (offset < 0 || offset >= region.barSize()) {
            throw new VfioException(
                    Errno.EINVAL,
                    "offset 0x" + Long.toHexString(offset) + " beyond the BAR size 0x"
                            + Long.toHexString(region.barSize()));
        }
        if (requested < 0 || requested > Integer.MAX_VALUE) {
            throw new VfioException(Errno.EINVAL, "bad access size " + requested);
        }
        return (int) Math.min(requested, region.barSize() - offset);
    }

    private static int inMemory(MemRegion region, long offset, int count) {
        return offset >= region.length() ? 0 : (int) Math.min(count, region.length() - offset);
    }
}
