package dev.jvfio.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Touches device memory page by page to find one that faults. HotSpot turns the SIGBUS of a mapped
 * file's page that cannot be read (past the end of a shrunk file) or allocated (a full file system)
 * into an InternalError.
 */
final class DevicePages {
    /** Stride of the probe: the smallest page size Linux uses; larger pages are probed more than once. */
    static final long PAGE = 4096;

    private DevicePages() {}

    /**
     * The offset of the first page of {@code memory[offset, offset + length)} that faults when read
     * (and, with {@code write}, when its first byte is written back unchanged), or -1. Offsets
     * outside the segment are not probed.
     */
    static long firstFault(MemorySegment memory, long offset, long length, boolean write) {
        long size = memory.byteSize();
        if (offset < 0 || offset >= size) return -1;
        long end = Math.min(size, offset + length);
        for (long at = offset & -PAGE; at < end; at += PAGE) {
            long probe = Math.max(at, offset);
            if (!touch(memory, probe, write)) return at < offset ? offset : at;
        }
        return -1;
    }

    private static boolean touch(MemorySegment memory, long at, boolean write) {
        try {
            byte b = memory.get(ValueLayout.JAVA_BYTE, at);
            if (write) memory.set(ValueLayout.JAVA_BYTE, at, b);
            return true;
        } catch (InternalError e) {
            return false;
        }
    }
}
