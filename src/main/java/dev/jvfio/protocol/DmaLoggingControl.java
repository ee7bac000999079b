package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;

/**
 * The data of DMA_LOGGING_START (VU-10.12): {@code u64 page_size, u32 num_ranges, u32 reserved},
 * then {@code num_ranges} ranges of {@code u64 iova, u64 length}, inline (the kernel passes a
 * pointer there). The reply echoes it with the page size the server chose.
 */
public final class DmaLoggingControl {
    /** page_size, num_ranges, reserved. */
    public static final int FIXED = 16;

    public static final int RANGE = 16;
    /** The smallest tracking page; a smaller hint is answered with this one. */
    public static final long MIN_PAGE = 4096;

    private static final int OFF_PAGE = DeviceFeatureMessage.DATA;
    private static final int OFF_COUNT = DeviceFeatureMessage.DATA + 8;
    private static final int OFF_RANGES = DeviceFeatureMessage.DATA + FIXED;

    private MemorySegment msg;
    private long pageSize;

    /**
     * Checks the data of a DEVICE_FEATURE message: the fixed part present, at most
     * {@code maxRanges} ranges (E2BIG), exactly that many present (EINVAL), a page size that is a
     * power of two (EINVAL), and every range non-empty and aligned to the chosen page size (EINVAL)
     * and not running past the top of the address space (EOVERFLOW). Overlaps are the caller's to
     * find. Returns 0 or an errno.
     */
    public int wrap(MemorySegment msg, int maxRanges) {
        this.msg = msg;
        long data = msg.byteSize() - DeviceFeatureMessage.DATA;
        if (data < FIXED) {
            return Errno.EINVAL;
        }
        long n = ranges();
        if (n > maxRanges) {
            return Errno.E2BIG;
        }
        if (data != FIXED + n * RANGE) {
            return Errno.EINVAL;
        }
        long hint = requestedPageSize();
        if (Long.bitCount(hint) != 1) {
            return Errno.EINVAL;
        }
        pageSize = Long.compareUnsigned(hint, MIN_PAGE) < 0 ? MIN_PAGE : hint;
        for (int i = 0; i < n; i++) {
            long iova = iova(i);
            long length = length(i);
            if (length == 0 || ((iova | length) & (pageSize - 1)) != 0) {
                return Errno.EINVAL;
            }
            if (Wire.addOverflows(iova, length)) {
                return Errno.EOVERFLOW;
            }
        }
        return 0;
    }

    /** The page size the client hinted. */
    public long requestedPageSize() {
        return Wire.u64(msg, OFF_PAGE);
    }

    /** The page size the server tracks at: the hint, or {@link #MIN_PAGE} if the hint is smaller. */
    public long pageSize() {
        return pageSize;
    }

    /** num_ranges, unsigned; 0 means every address (VU-10.12). */
    public long ranges() {
        return Wire.u32l(msg, OFF_COUNT);
    }

    public long iova(int i) {
        return Wire.u64(msg, OFF_RANGES + (long) i * RANGE);
    }

    public long length(int i) {
        return Wire.u64(msg, OFF_RANGES + (long) i * RANGE + 8);
    }

    /** The page size field of a message (client side: the page size the server chose). */
    public static long pageSize(MemorySegment msg) {
        return Wire.u64(msg, OFF_PAGE);
    }

    /** Overwrites the page size of a reply (or request) in {@code out}. */
    public static void putPageSize(MemorySegment out, long pageSize) {
        Wire.putU64(out, OFF_PAGE, pageSize);
    }

    /** Writes the data of a request after the feature header; returns its length. */
    public static int encode(MemorySegment out, long pageSize, long[] iovas, long[] lengths) {
        Wire.putU64(out, OFF_PAGE, pageSize);
        Wire.putU32(out, OFF_COUNT, iovas.length);
        Wire.putU32(out, OFF_COUNT + 4, 0);
        for (int i = 0; i < iovas.length; i++) {
            Wire.putU64(out, OFF_RANGES + (long) i * RANGE, iovas[i]);
            Wire.putU64(out, OFF_RANGES + (long) i * RANGE + 8, lengths[i]);
        }
        return FIXED + iovas.length * RANGE;
    }
}
