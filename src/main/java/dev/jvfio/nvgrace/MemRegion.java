package dev.jvfio.nvgrace;

/**
 * One slice of device memory that the variant shows as a BAR (the kernel's {@code struct mem_region}):
 * usemem or resmem as carved by NV-2.4/NV-2.5, sized as BAR4/BAR2 report it (NV-3.3, NV-5.1).
 *
 * @param physBase   system physical address of the slice (firmware base + fileOffset)
 * @param fileOffset offset of the slice inside device memory (and inside the device-memory file)
 * @param length     bytes of real memory ("memlength")
 * @param barSize    reported BAR size: a power of two, at least {@code length}
 */
public record MemRegion(long physBase, long fileOffset, long length, long barSize) {
    public MemRegion {
        if (length <= 0 || fileOffset < 0) {
            throw new IllegalArgumentException(
                    "empty or negative memory region: offset " + fileOffset + " length " + length);
        }
        if (Long.bitCount(barSize) != 1 || barSize < length) {
            throw new IllegalArgumentException("BAR size " + barSize + " is not a power of two >= " + length);
        }
    }

    /** The smallest power of two >= n (n >= 1). */
    public static long roundUpPow2(long n) {
        if (n <= 1) {
            return 1;
        }
        long high = Long.highestOneBit(n - 1) << 1;
        if (high <= 0) {
            throw new ArithmeticException("no 64-bit power of two >= " + n);
        }
        return high;
    }
}
