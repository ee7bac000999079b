package dev.jvfio.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A shared mapping (mmap MAP_SHARED) of part of a file as one {@link MemorySegment}, whatever
 * its size. MAP_NORESERVE keeps a huge sparse mapping (96 GiB of a memfd) from being charged
 * up front: only touched pages cost memory.
 *
 * <p>{@link #close()} unmaps exactly once; afterwards every access through {@link #segment()}
 * throws IllegalStateException instead of touching unmapped memory (the segment belongs to a
 * shared arena that close() closes first). close() throws IllegalStateException, and leaves
 * the mapping in place, while another thread is passing the segment to a native call.
 */
public final class MappedMemory implements AutoCloseable {
    private final long address;
    private final long size;
    private final Arena arena;
    private final MemorySegment segment;
    private boolean closed;

    // Error Prone wants Arena.ofShared() in a try-with-resources; this object owns the arena and
    // close() closes it.
    @SuppressWarnings("MustBeClosedChecker")
    private MappedMemory(long address, long size, boolean writable) {
        this.address = address;
        this.size = size;
        this.arena = Arena.ofShared();
        MemorySegment s = MemorySegment.ofAddress(address).reinterpret(size, arena, null);
        this.segment = writable ? s : s.asReadOnly();
    }

    /**
     * Maps {@code size} bytes of fd starting at {@code fileOffset} (a multiple of the page size).
     * The fd may be closed afterwards; the mapping keeps the file alive.
     *
     * <p>A regular file (memfd included) must hold the whole range, else NativeException with
     * EINVAL. If its owner shrinks it later, touching the lost pages throws InternalError
     * ("a fault occurred in an unsafe memory access") rather than killing the process; code that
     * maps files from an untrusted peer should catch it.
     */
    public static MappedMemory map(Fd fd, long fileOffset, long size, boolean writable) throws NativeException {
        if (size <= 0) {
            throw new IllegalArgumentException("mapping size must be positive: " + size);
        }
        if (fileOffset < 0) {
            throw new IllegalArgumentException("negative file offset " + fileOffset);
        }
        // Touching a page past the end of a file raises SIGBUS (the JVM turns it into an
        // InternalError at best), so a mapping that starts out reaching past EOF is refused. The
        // check must not depend on a struct layout: struct stat differs between x86-64 and
        // aarch64, and the wrong one reads st_uid as the mode on arm64, so the check never runs.
        long fileSize = fd.regularFileSize();
        if (fileSize >= 0 && (fileOffset > fileSize || size > fileSize - fileOffset)) {
            throw new NativeException(
                    "mmap",
                    LinuxErrno.EINVAL,
                    "offset " + fileOffset + " + " + size + " bytes reaches past the end of the file (" + fileSize
                            + " bytes)");
        }
        int prot = MemoryCalls.PROT_READ | (writable ? MemoryCalls.PROT_WRITE : 0);
        long address = MemoryCalls.mmap(
                size, prot, MemoryCalls.MAP_SHARED | MemoryCalls.MAP_NORESERVE, fd.value(), fileOffset);
        return new MappedMemory(address, size, writable);
    }

    /** The mapped bytes (read-only if mapped so). */
    public MemorySegment segment() {
        return segment;
    }

    public long size() {
        return size;
    }

    /** Unmaps; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        arena.close(); // throws if the segment is in use by a native call; then we stay mapped
        closed = true;
        try {
            MemoryCalls.munmap(address, size);
        } catch (NativeException e) {
            // Only EINVAL is possible, for an address we got from mmap itself: a bug, not a state.
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "MappedMemory(0x" + Long.toHexString(address) + ", " + size + " bytes" + (closed ? ", closed)" : ")");
    }
}
