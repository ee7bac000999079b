package dev.jvfio.pci;

import dev.jvfio.device.MappableFile;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * What sits behind a BAR: the device model's registers or memory. Offsets are BAR-relative and already
 * bounds-checked against the BAR size by {@link VfioPciDevice}; the MSI-X table and PBA, when they live
 * in this BAR, are served by the device and never reach the backing.
 */
public interface BarBacking {

    /** Fills dst with the bytes at offset; returns the count produced. */
    int read(long offset, MemorySegment dst) throws VfioException;

    /** Consumes src at offset; returns the count consumed. */
    int write(long offset, MemorySegment src) throws VfioException;

    /** The file a client may mmap for this BAR (BAR offset X at file offset fileOffset + X), or null. */
    default MappableFile mappableFile() {
        return null;
    }

    /** The mmap-able windows of the BAR; only meaningful with a {@link #mappableFile()}. */
    default List<SparseArea> sparseAreas() {
        return List.of();
    }

    /** A reset (FLR or device reset) happened; registers go back to power-on values. Memory usually stays. */
    default void reset() {}

    /** Releases resources at device close. */
    default void close() {}

    /** A backing of nothing: reads zero, writes are dropped. */
    static BarBacking zeros() {
        return new BarBacking() {
            @Override
            public int read(long offset, MemorySegment dst) {
                dst.fill((byte) 0);
                return (int) dst.byteSize();
            }

            @Override
            public int write(long offset, MemorySegment src) {
                return (int) src.byteSize();
            }
        };
    }
}
