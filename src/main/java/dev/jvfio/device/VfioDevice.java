package dev.jvfio.device;

import java.lang.foreign.MemorySegment;

/**
 * A device as a VFIO user sees it: the Java counterpart of the kernel's {@code vfio_device_ops}.
 * The server layer translates vfio-user messages into these calls; PCI and GPU models implement it.
 *
 * <p>Threading: the server calls one device from one session thread at a time, but devices may
 * raise interrupts or be closed from other threads, so implementations guard their own state.
 * Every method validates its arguments as hostile input and reports errors as {@link VfioException}
 * with a Linux errno; none may throw anything else for bad input.
 */
public interface VfioDevice extends AutoCloseable {

    /** A short human name for logs ("gh200 #0", "sample"). */
    String name();

    DeviceInfo info();

    /** Region info; EINVAL for an index outside [0, numRegions). */
    RegionInfo regionInfo(int index) throws VfioException;

    /**
     * Reads {@code dst.byteSize()} bytes at {@code offset} of region {@code region} into {@code dst}.
     * Returns the number of bytes produced (may be short only where the model says so).
     */
    int read(int region, long offset, MemorySegment dst) throws VfioException;

    /**
     * Optional zero-copy read: when all {@code count} bytes at {@code offset} of {@code region} would
     * be read from plain memory right now (no side effect, no fill, nothing clipped), returns that
     * memory so the server can send it without copying it first; otherwise null, and the caller uses
     * {@link #read}. Errors are those {@link #read} would raise for the same access. The segment is
     * only read, at once, by the caller. Default: null (always copy).
     */
    default MemorySegment readView(int region, long offset, long count) throws VfioException {
        return null;
    }

    /** Writes {@code src} at {@code offset} of region {@code region}; returns the bytes consumed. */
    int write(int region, long offset, MemorySegment src) throws VfioException;

    /** IRQ info; EINVAL for an index outside [0, numIrqs). */
    IrqInfo irqInfo(int index) throws VfioException;

    /** Configures interrupts (see {@link IrqSet} for fd ownership). */
    void setIrqs(IrqSet request) throws VfioException;

    /** Device reset (VFIO_DEVICE_RESET / vfio-user DEVICE_RESET). */
    void reset() throws VfioException;

    /**
     * A client attached: the device may reach its memory through {@code dma} until {@link #detach()}.
     * Corresponds to the kernel's open_device.
     */
    void attach(DmaSpace dma);

    /**
     * The client went away (or closed the device). Release every interrupt eventfd and stop using
     * the DmaSpace; device state (memory, config space) stays for the next client.
     */
    void detach();

    /** Releases everything, for server shutdown. Must be idempotent. */
    @Override
    void close();
}
