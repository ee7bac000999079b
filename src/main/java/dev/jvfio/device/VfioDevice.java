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
     * The client mapped a DMA window: from now on the {@link DmaSpace} reaches the {@code size}
     * bytes of client memory at I/O virtual address {@code iova} (unsigned), for reads if
     * {@code readable}, for writes if {@code writable}. The counterpart of libvfio-user's
     * {@code dma_register} callback: a device that must know its client's memory (to program an
     * IOMMU, or to check a descriptor ring's address up front) learns of it here; others need not
     * care, DmaSpace finds the windows itself.
     *
     * <p>Called by the thread that handles requests, after the window was added and before the
     * client hears that it was, so it must be quick. It may reach fd-backed windows through the
     * DmaSpace, but not windows without an fd (those are reached by messages, which cannot go out
     * while a request is being answered). Anything it throws is logged and ignored: the map stands.
     * Default: nothing.
     */
    default void dmaMapped(long iova, long size, boolean readable, boolean writable) {}

    /**
     * The DMA window at {@code iova} of {@code size} bytes, announced by {@link #dmaMapped}, is about
     * to go away: the client unmapped it (one window, or all of them at once) or went away. The
     * counterpart of libvfio-user's {@code dma_unregister} callback, called like it while the
     * window is still mapped; once this returns, the server waits for the DmaSpace calls copying
     * through the window to finish and removes it, and later calls fault there. When a client goes
     * away, this is called for every window it still held, before {@link #detach()}.
     *
     * <p>Called by the thread that handles requests, usually while it answers DMA_UNMAP: it must be
     * quick and must not wait for device work that waits for that reply
     * (work handed to {@link DmaSpace#afterReply}). Anything it throws is logged and ignored: the unmap
     * goes ahead. Default: nothing.
     */
    default void dmaUnmapping(long iova, long size) {}

    /**
     * The device's migration v2 support ({@link DeviceMigration}), or null when it cannot migrate:
     * the server then refuses the migration features with EINVAL, as for any unknown feature.
     */
    default DeviceMigration migration() {
        return null;
    }

    /**
     * From now on, report interrupts and engine copies to {@code events} (replacing any earlier
     * observer; {@link DeviceEvents#NONE} to stop). Default: the device reports nothing.
     */
    default void observe(DeviceEvents events) {}

    /**
     * The device must go (the kernel's {@code vfio_device_ops.request}): ask the client to release
     * it by signalling the request interrupt (REQ, IRQ index 4 of a PCI device), if the client armed
     * one. Called again while the client stays, {@code count} counting the requests. Returns whether
     * the client was asked. Default: no request channel, false.
     */
    default boolean request(int count) {
        return false;
    }

    /** What the device says about itself for diagnostics. Default: {@link DeviceStatus#UNKNOWN}. */
    default DeviceStatus status() {
        return DeviceStatus.UNKNOWN;
    }

    /** How to make the device fail on purpose, or null when it cannot. Default: null. */
    default FaultInjection faults() {
        return null;
    }

    /**
     * The client went away (or closed the device). Release every interrupt eventfd and stop using
     * the DmaSpace; device state (memory, config space) stays for the next client.
     */
    void detach();

    /** Releases everything, for server shutdown. Must be idempotent. */
    @Override
    void close();
}
