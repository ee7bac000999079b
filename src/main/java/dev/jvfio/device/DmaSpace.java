package dev.jvfio.device;

import java.lang.foreign.MemorySegment;

/**
 * The client's memory as the device reaches it (bus-master DMA), by I/O virtual address.
 * Implemented by the server from the DMA_MAP table. Safe to call from any thread.
 */
public interface DmaSpace {
    /** Copies {@code dst.byteSize()} bytes at {@code iova} into dst. EFAULT if not mapped readable. */
    void read(long iova, MemorySegment dst) throws VfioException;

    /** Copies src to {@code iova}. EFAULT if not mapped writeable. */
    void write(long iova, MemorySegment src) throws VfioException;

    /** No client memory at all (no client attached). */
    DmaSpace NONE = new DmaSpace() {
        @Override
        public void read(long iova, MemorySegment dst) throws VfioException {
            throw new VfioException(Errno.EFAULT, "no DMA mapping at 0x" + Long.toHexString(iova));
        }

        @Override
        public void write(long iova, MemorySegment src) throws VfioException {
            throw new VfioException(Errno.EFAULT, "no DMA mapping at 0x" + Long.toHexString(iova));
        }
    };
}
