package dev.jvfio.bench;

import java.lang.foreign.MemorySegment;

/**
 * Copies one chunk per operation between a large window (BAR4 mapped from the server's fd, or
 * plain process memory for the floor) and a small local buffer, walking the window round-robin
 * so that the large side is streamed from memory, not from cache.
 */
final class CopyLane implements Op {
    private final MemorySegment window;
    private final MemorySegment local;
    private final boolean read;
    private final long chunk;
    private long position;

    /** @param read true: window to local (reading BAR4); false: local to window (writing it) */
    CopyLane(MemorySegment window, MemorySegment local, boolean read) {
        if (window.byteSize() % local.byteSize() != 0) {
            throw new IllegalArgumentException("window must be a multiple of the chunk");
        }
        this.window = window;
        this.local = local;
        this.read = read;
        this.chunk = local.byteSize();
    }

    @Override
    public void run() {
        if (read) {
            MemorySegment.copy(window, position, local, 0, chunk);
        } else {
            MemorySegment.copy(local, 0, window, position, chunk);
        }
        position += chunk;
        if (position == window.byteSize()) {
            position = 0;
        }
    }
}
