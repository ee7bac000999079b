package dev.jvfio.server;

import dev.jvfio.device.DmaFault;
import java.lang.foreign.MemorySegment;

/**
 * Turns every way a device's access to client memory can fail into a typed {@link DmaFault} at the
 * first address not reached, including the one the JVM reports as an error: a window whose file
 * the client truncated after mapping it. The access then hits a SIGBUS, which HotSpot turns into
 * an {@link InternalError}; that is the client's doing (its memory is gone), so it is a fault of
 * the access, not of the server.
 */
final class DmaFaults {
    private DmaFaults() {}

    /**
     * Copies {@code n} bytes between {@code data} at {@code offset} and window {@code w} at
     * {@code at} (to the window if {@code write}); a fault at {@code at} if the memory is gone.
     */
    static void copy(DmaWindow w, long at, MemorySegment data, long offset, long n, boolean write) throws DmaFault {
        try {
            if (write) {
                MemorySegment.copy(data, offset, w.memory().segment(), at - w.iova(), n);
            } else {
                MemorySegment.copy(w.memory().segment(), at - w.iova(), data, offset, n);
            }
        } catch (InternalError e) {
            throw new DmaFault(
                    DmaFault.Kind.NOT_MAPPED,
                    at,
                    "DMA at " + hex(at) + " faulted (client shrank the file): " + e.getMessage());
        }
    }

    /** The client went away: nothing is mapped any more. */
    static DmaFault noClient(long at) {
        return new DmaFault(DmaFault.Kind.NOT_MAPPED, at, "no client attached");
    }

    /** No window covers {@code at}. */
    static DmaFault notMapped(long at) {
        return new DmaFault(DmaFault.Kind.NOT_MAPPED, at, "no DMA window covers " + hex(at));
    }

    /** Window {@code w} holds {@code at} but was mapped without the access's READ or WRITE. */
    static DmaFault notAllowed(DmaWindow w, long at, boolean write) {
        return new DmaFault(
                write ? DmaFault.Kind.NOT_WRITABLE : DmaFault.Kind.NOT_READABLE,
                at,
                "DMA window at " + hex(w.iova()) + " is not " + (write ? "writable" : "readable"));
    }

    /** The access runs past the top of the 64-bit address space. */
    static DmaFault wraps(long at) {
        return new DmaFault(DmaFault.Kind.NOT_MAPPED, at, "DMA range wraps past the top of the address space");
    }

    /**
     * A window without an fd reached while the session serves a request: a message now would go
     * out while a reply is pending, and its answer could only come through this thread (VU-8.5).
     */
    static DmaFault messageWhileServing(long at) {
        return new DmaFault(
                DmaFault.Kind.NOT_MAPPED,
                at,
                "DMA window at " + hex(at) + " has no fd; message DMA is not served while a request is (VU-8.5)");
    }

    /** A window without an fd before VERSION set up the message channel. */
    static DmaFault noMessageChannel(long at) {
        return new DmaFault(
                DmaFault.Kind.NOT_MAPPED,
                at,
                "DMA window at " + hex(at) + " has no fd and the session has no message channel");
    }

    private static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }
}
