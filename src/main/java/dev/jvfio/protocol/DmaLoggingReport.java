package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;

/**
 * The data of DMA_LOGGING_REPORT (VU-10.14): the request carries {@code u64 iova, u64 length,
 * u64 page_size}; the reply repeats them and appends the bitmap inline: little-endian u64 words,
 * bit n set if page n of the range (counted from iova) was written.
 */
public final class DmaLoggingReport {
    /** iova, length, page_size. */
    public static final int FIXED = 24;
    /** Where the bitmap starts in a reply. */
    public static final int BITMAP = DeviceFeatureMessage.DATA + FIXED;
    /** The smallest page a report may count in. */
    public static final long MIN_PAGE = 4096;

    private static final int OFF_IOVA = DeviceFeatureMessage.DATA;
    private static final int OFF_LENGTH = DeviceFeatureMessage.DATA + 8;
    private static final int OFF_PAGE = DeviceFeatureMessage.DATA + 16;

    private MemorySegment msg;

    /**
     * Checks the data of a DEVICE_FEATURE request: exactly the three fields (EINVAL), a non-empty
     * range (EINVAL), a page size that is a power of two of at least 4 KiB (EINVAL), a range that
     * does not run past the top of the address space (EOVERFLOW) and whose start and length are
     * whole pages (EINVAL). Returns 0 or an errno.
     */
    public int wrap(MemorySegment msg) {
        this.msg = msg;
        if (msg.byteSize() - DeviceFeatureMessage.DATA != FIXED) {
            return Errno.EINVAL;
        }
        long page = pageSize();
        if (length() == 0 || Long.bitCount(page) != 1 || Long.compareUnsigned(page, MIN_PAGE) < 0) {
            return Errno.EINVAL;
        }
        if (Wire.addOverflows(iova(), length())) {
            return Errno.EOVERFLOW;
        }
        return ((iova() | length()) & (page - 1)) != 0 ? Errno.EINVAL : 0;
    }

    public long iova() {
        return Wire.u64(msg, OFF_IOVA);
    }

    /** The range's length, unsigned. */
    public long length() {
        return Wire.u64(msg, OFF_LENGTH);
    }

    public long pageSize() {
        return Wire.u64(msg, OFF_PAGE);
    }

    /** log2 of the page size. */
    public int pageShift() {
        return Long.numberOfTrailingZeros(pageSize());
    }

    /** Bytes of the bitmap for this range: one bit per page, rounded up to whole u64 words. */
    public long bitmapBytes() {
        return bitmapBytes(length(), pageShift());
    }

    /** Bytes of the bitmap of {@code length} bytes (unsigned) in pages of 2^pageShift bytes. */
    public static long bitmapBytes(long length, int pageShift) {
        long pages = length >>> pageShift;
        return ((pages + 63) >>> 6) << 3;
    }

    /** Writes the three fields of a request or reply after the feature header; returns their length. */
    public static int encode(MemorySegment out, long iova, long length, long pageSize) {
        Wire.putU64(out, OFF_IOVA, iova);
        Wire.putU64(out, OFF_LENGTH, length);
        Wire.putU64(out, OFF_PAGE, pageSize);
        return FIXED;
    }
}
