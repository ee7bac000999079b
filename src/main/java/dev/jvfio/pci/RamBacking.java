package dev.jvfio.pci;

import dev.jvfio.device.MappableFile;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.VfioException;
import dev.jvfio.devicestate.MemoryImage;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.os.NativeException;
import dev.jvfio.os.PageSize;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Plain memory behind a BAR (or a window of one): reads and writes copy bytes. Backed either by a Java
 * arena (trapped access only) or by a memfd that clients may mmap, offered as one sparse area covering
 * {@code [0, mappableSize)}. Memory survives resets (devices do not scrub RAM on FLR).
 */
public final class RamBacking implements BarBacking {
    private final MemorySegment memory;
    private final MappedMemory mapping;
    private final Fd fd;
    private final Arena arena;
    private final long mappableSize;

    private RamBacking(MemorySegment memory, MappedMemory mapping, Fd fd, Arena arena, long mappableSize) {
        this.memory = memory;
        this.mapping = mapping;
        this.fd = fd;
        this.arena = arena;
        this.mappableSize = mappableSize;
    }

    /** Trapped-only memory of {@code size} bytes (zeroed). */
    public static RamBacking heap(long size) {
        // Error Prone wants the arena in a try-with-resources; the RamBacking owns it and close() closes it.
        @SuppressWarnings("MustBeClosedChecker")
        Arena a = Arena.ofShared();
        return new RamBacking(a.allocate(size, 8), null, null, a, 0);
    }

    /**
     * Memory in a new memfd of {@code size} bytes, of which the first {@code mappableSize} may be
     * mmapped, in whole pages of the system's page size (see the overload).
     */
    public static RamBacking memfd(String name, long size, long mappableSize) throws NativeException {
        return memfd(name, size, mappableSize, PageSize.system());
    }

    /**
     * Memory in a new memfd of {@code size} bytes whose first {@code mappableSize} bytes are offered
     * for mmap as far as they are whole pages of {@code page}: 8 KiB of RAM is mmap-able on a 4 KiB
     * host and trapped only on a 16 or 64 KiB one (a client cannot map part of a page).
     */
    public static RamBacking memfd(String name, long size, long mappableSize, PageSize page) throws NativeException {
        if (mappableSize < 0 || mappableSize > size) {
            throw new IllegalArgumentException("mappable size must be within the memory");
        }
        mappableSize = page.roundDown(mappableSize);
        Fd fd = Memfd.createFixedSize(name, size); // clients get its fd: no ftruncate
        try {
            MappedMemory m = MappedMemory.map(fd, 0, size, true);
            return new RamBacking(m.segment(), m, fd, null, mappableSize);
        } catch (NativeException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** The memory itself (device-side access). */
    public MemorySegment segment() {
        return memory;
    }

    @Override
    public int read(long offset, MemorySegment dst) throws VfioException {
        check(offset, dst.byteSize());
        MemorySegment.copy(memory, offset, dst, 0, dst.byteSize());
        return (int) dst.byteSize();
    }

    @Override
    public int write(long offset, MemorySegment src) throws VfioException {
        check(offset, src.byteSize());
        MemorySegment.copy(src, 0, memory, offset, src.byteSize());
        return (int) src.byteSize();
    }

    private void check(long offset, long len) throws VfioException {
        if (offset < 0 || len < 0 || offset > memory.byteSize() - len) {
            throw VfioException.invalid("RAM access [" + offset + ", +" + len + ") outside " + memory.byteSize());
        }
    }

    /** The memory as a migration moves it (its populated extents), or null for heap memory. */
    public MemoryImage memoryImage() {
        return fd == null ? null : MemoryImage.of(fd, 0, memory.byteSize());
    }

    @Override
    public MappableFile mappableFile() {
        return fd == null || mappableSize == 0 ? null : new MappableFile(fd, 0);
    }

    @Override
    public List<SparseArea> sparseAreas() {
        return mappableFile() == null ? List.of() : List.of(new SparseArea(0, mappableSize));
    }

    @Override
    public synchronized void close() {
        if (mapping != null) {
            mapping.close();
        }
        if (fd != null) {
            fd.close();
        }
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
