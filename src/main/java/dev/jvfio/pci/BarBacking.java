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
 *
 * <p>A backing whose registers act on their function (raise an interrupt, reach the client's memory
 * through {@link VfioPciDevice#dma()}, listen for resets) is declared with a {@link Factory}: the
 * builder hands it the function it belongs to, as libvfio-user hands its context to every region
 * callback, so the backing holds its function from the start and nothing is wired afterwards.
 */
public interface BarBacking {

    /**
     * Makes a BAR's backing for the function being built ({@link PciBar#mem64(int, long, Factory)}
     * and friends). Called once, by {@link PciDeviceBuilder#build()}, after the function's config
     * space, interrupts and reset listeners exist and before it serves any access; the factory may
     * keep the function, add reset listeners and embed models that need it (a DMA engine), but must
     * not access the function's regions, whose backings are still being made.
     */
    @FunctionalInterface
    interface Factory {
        /**
         * The backing of one BAR.
         *
         * @param function the PCI function the BAR belongs to
         * @return the backing, never null
         */
        BarBacking create(VfioPciDevice function);
    }

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
