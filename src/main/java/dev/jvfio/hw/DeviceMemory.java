package dev.jvfio.hw;

import dev.jvfio.os.Fd;
import java.lang.foreign.MemorySegment;

/**
 * The GPU's device memory as the host reaches it: a file (memfd or backing file) that a client can
 * map for zero-copy access, and the same bytes mapped into this process.
 */
public interface DeviceMemory {
    /** The file holding the memory; byte 0 of device memory is at file offset {@link #fileOffset()}. Owned by the hardware. */
    Fd fd();

    long fileOffset();

    /** Bytes of device memory. */
    long size();

    /** All of device memory as one segment of {@link #size()} bytes (shared mapping of {@link #fd()}). */
    MemorySegment segment();
}
