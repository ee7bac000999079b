package dev.jvfio.server;

import dev.jvfio.os.MappedMemory;

/**
 * One DMA window a client mapped (VU-6.1): {@code size} bytes of client memory at I/O virtual
 * address {@code iova} (unsigned), with the access the client allowed. {@code memory} is the
 * window's fd mmap'ed by the server, or null when the client gave no fd and the window is reached
 * by messages (VU-6.3).
 */
record DmaWindow(long iova, long size, boolean readable, boolean writable, MappedMemory memory) {
    /** The window's last address (unsigned); iova + size may be 2^64. */
    long last() {
        return iova + size - 1;
    }

    /** Whether {@code address} (unsigned) is inside the window. */
    boolean covers(long address) {
        return Long.compareUnsigned(address - iova, size) < 0;
    }

    /** Whether the client allowed this access. */
    boolean allows(boolean write) {
        return write ? writable : readable;
    }
}
