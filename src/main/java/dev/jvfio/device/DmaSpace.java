package dev.jvfio.device;

import java.lang.foreign.MemorySegment;

/**
 * The client's memory as the device reaches it (bus-master DMA), by I/O virtual address.
 * Implemented by the server from the windows the client mapped (DMA_MAP); a device that wants to
 * know them as they come and go hears of each through {@link VfioDevice#dmaMapped} and
 * {@link VfioDevice#dmaUnmapping}. Safe to call from any thread.
 *
 * <p>A range may span several adjacent windows. The server does not answer an unmap of a window
 * while a call is copying through its mapping, and no call touches a window after its unmap was
 * answered. Long transfers should therefore be made of several calls of bounded size (a DMA engine
 * copies in chunks), so an unmap waits for one chunk. Windows without an fd are reached by
 * messages to the client, which may take as long as the client takes to answer. A call that fails
 * may have moved the bytes before the fault.
 */
public interface DmaSpace {
    /**
     * Copies {@code dst.byteSize()} bytes at {@code iova} into dst.
     *
     * @throws DmaFault at the first byte not mapped, or mapped without READ
     */
    void read(long iova, MemorySegment dst) throws VfioException;

    /**
     * Copies src to {@code iova}.
     *
     * @throws DmaFault at the first byte not mapped, or mapped without WRITE
     */
    void write(long iova, MemorySegment src) throws VfioException;

    /**
     * Runs {@code signal} once the request being handled now (if any) has been answered: device work
     * that a register write starts (a DMA engine's doorbell) must begin only after that write's
     * reply, as a vfio-user client may be unable to serve anything while it waits for a reply
     * (VU-8.5). This is the only ordering a device sees: the server keeps the rest (a DMA message to
     * the client goes out only while no request is being served). Called by the thread that handles
     * requests, a server runs {@code signal} on that thread right after sending the reply; called by
     * any other thread, at once. {@code signal} must be quick and must not block: it typically hands
     * the work to a thread of the device, which then calls {@link #read} and {@link #write}.
     * Default: at once.
     *
     * @param signal what starts the device's work
     */
    default void afterReply(Runnable signal) {
        signal.run();
    }

    /** No client memory at all (no client attached). */
    DmaSpace NONE = new DmaSpace() {
        @Override
        public void read(long iova, MemorySegment dst) throws VfioException {
            throw new DmaFault(DmaFault.Kind.NOT_MAPPED, iova, "no DMA mapping at 0x" + Long.toHexString(iova));
        }

        @Override
        public void write(long iova, MemorySegment src) throws VfioException {
            throw new DmaFault(DmaFault.Kind.NOT_MAPPED, iova, "no DMA mapping at 0x" + Long.toHexString(iova));
        }
    };
}
