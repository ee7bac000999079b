package dev.jvfio.pci;

import java.util.Objects;

/**
 * One base address register as the device declares it (PCI-2.x). A MEM64 BAR occupies slots index and
 * index+1. Declared with {@link #mem32}, {@link #mem64} or {@link #io}, then refined by name:
 * {@code PciBar.mem64(2, size, backing).prefetchable()}, {@link #withGating(BarGating)}.
 *
 * <p>Sizes are a power of two: at least 16 bytes for memory (at most 2 GiB for MEM32), 4..256 for I/O.
 * Trapped access answers EIO while decode is off, by default ({@link BarGating#DECODE}).
 */
public final class PciBar {
    private final int index;
    private final BarKind kind;
    private final boolean prefetchable;
    private final long size;
    private final BarGating gating;
    private final BarBacking.Factory factory;
    /** The backing once the function exists ({@link #bind}); null in a declaration. */
    private final BarBacking backing;

    private PciBar(
            int index,
            BarKind kind,
            boolean prefetchable,
            long size,
            BarGating gating,
            BarBacking.Factory factory,
            BarBacking backing) {
        this.index = index;
        this.kind = Objects.requireNonNull(kind, "kind");
        this.prefetchable = prefetchable;
        this.size = size;
        this.gating = Objects.requireNonNull(gating, "gating");
        this.factory = Objects.requireNonNull(factory, "backing");
        this.backing = backing;
        int last = kind == BarKind.MEM64 ? 4 : 5;
        if (index < 0 || index > last) {
            throw new IllegalArgumentException(kind + " BAR index out of range: " + index);
        }
        if (Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("BAR size must be a power of two: " + size);
        }
        if (kind == BarKind.IO && (size < 4 || size > 256)) {
            throw new IllegalArgumentException("I/O BAR must be 4..256 bytes");
        }
        if (kind.isMemory() && size < 16) {
            throw new IllegalArgumentException("memory BAR must be at least 16 bytes");
        }
        if (kind == BarKind.MEM32 && size > 0x8000_0000L) {
            throw new IllegalArgumentException("32-bit BAR larger than 2 GiB");
        }
    }

    private static PciBar declare(int index, BarKind kind, long size, BarBacking.Factory factory) {
        return new PciBar(index, kind, false, size, BarGating.DECODE, factory, null);
    }

    private static BarBacking.Factory fixed(BarBacking backing) {
        Objects.requireNonNull(backing, "backing");
        return function -> backing;
    }

    /**
     * A non-prefetchable 32-bit memory BAR served by {@code backing}.
     *
     * @param index slot 0..5
     * @param size a power of two, 16 bytes to 2 GiB
     * @param backing serves trapped reads and writes (and may offer an mmap-able file)
     * @return the declaration
     */
    public static PciBar mem32(int index, long size, BarBacking backing) {
        return declare(index, BarKind.MEM32, size, fixed(backing));
    }

    /**
     * A non-prefetchable 32-bit memory BAR whose backing is made for its function at build.
     *
     * @param index slot 0..5
     * @param size a power of two, 16 bytes to 2 GiB
     * @param backing makes the backing, given the function
     * @return the declaration
     */
    public static PciBar mem32(int index, long size, BarBacking.Factory backing) {
        return declare(index, BarKind.MEM32, size, backing);
    }

    /**
     * A non-prefetchable 64-bit memory BAR (slots index and index+1) served by {@code backing}.
     *
     * @param index slot 0..4
     * @param size a power of two, at least 16 bytes
     * @param backing serves trapped reads and writes (and may offer an mmap-able file)
     * @return the declaration
     */
    public static PciBar mem64(int index, long size, BarBacking backing) {
        return declare(index, BarKind.MEM64, size, fixed(backing));
    }

    /**
     * A non-prefetchable 64-bit memory BAR whose backing is made for its function at build.
     *
     * @param index slot 0..4
     * @param size a power of two, at least 16 bytes
     * @param backing makes the backing, given the function
     * @return the declaration
     */
    public static PciBar mem64(int index, long size, BarBacking.Factory backing) {
        return declare(index, BarKind.MEM64, size, backing);
    }

    /**
     * An I/O port BAR served by {@code backing}.
     *
     * @param index slot 0..5
     * @param size a power of two, 4..256 bytes
     * @param backing serves trapped reads and writes
     * @return the declaration
     */
    public static PciBar io(int index, long size, BarBacking backing) {
        return declare(index, BarKind.IO, size, fixed(backing));
    }

    /**
     * An I/O port BAR whose backing is made for its function at build.
     *
     * @param index slot 0..5
     * @param size a power of two, 4..256 bytes
     * @param backing makes the backing, given the function
     * @return the declaration
     */
    public static PciBar io(int index, long size, BarBacking.Factory backing) {
        return declare(index, BarKind.IO, size, backing);
    }

    /**
     * This memory BAR with its prefetchable bit set.
     *
     * @return the prefetchable declaration
     * @throws IllegalArgumentException for an I/O BAR
     */
    public PciBar prefetchable() {
        if (kind == BarKind.IO) {
            throw new IllegalArgumentException("an I/O BAR cannot be prefetchable");
        }
        return new PciBar(index, kind, true, size, gating, factory, backing);
    }

    /**
     * This BAR with another gating policy (PCI-4.x).
     *
     * @param g when trapped access answers EIO
     * @return the declaration
     */
    public PciBar withGating(BarGating g) {
        return new PciBar(index, kind, prefetchable, size, g, factory, backing);
    }

    /** This BAR with its backing made for {@code function}; done once, when the function is built. */
    PciBar bind(VfioPciDevice function) {
        BarBacking b = Objects.requireNonNull(factory.create(function), "BAR backing factory returned null");
        return new PciBar(index, kind, prefetchable, size, gating, factory, b);
    }

    /** The slot: 0..5 (0..4 for MEM64). */
    public int index() {
        return index;
    }

    /** MEM32, MEM64 or IO. */
    public BarKind kind() {
        return kind;
    }

    /** Whether the prefetchable bit is set (memory BARs only). */
    public boolean isPrefetchable() {
        return prefetchable;
    }

    /** The size in bytes, a power of two. */
    public long size() {
        return size;
    }

    /** When trapped access answers EIO. */
    public BarGating gating() {
        return gating;
    }

    /** The backing of a built function's BAR; null in a declaration that no function was built from. */
    BarBacking backing() {
        return backing;
    }

    /** The read-only low bits of the BAR register: space, type and prefetch flags. */
    public int flagBits() {
        if (kind == BarKind.IO) {
            return 0x1;
        }
        return (kind == BarKind.MEM64 ? 0x4 : 0) | (prefetchable ? 0x8 : 0);
    }

    /** Writable bits of the low dword (the address bits at or above the size). */
    public int lowWritableMask() {
        long addr = ~(size - 1);
        return (int) (addr & (kind == BarKind.IO ? 0xFFFF_FFFCL : 0xFFFF_FFF0L));
    }

    /** Writable bits of the upper dword of a MEM64 BAR. */
    public int highWritableMask() {
        return (int) (~(size - 1) >>> 32);
    }

    /** Slot count: 2 for MEM64. */
    public int slots() {
        return kind == BarKind.MEM64 ? 2 : 1;
    }

    @Override
    public String toString() {
        return "PciBar(" + index + ", " + kind + (prefetchable ? ", prefetchable" : "") + ", " + size + " bytes)";
    }

    /** Makes each BAR's backing for {@code function} in place; on failure closes the ones already made. */
    static void bindAll(PciBar[] bars, VfioPciDevice function) {
        for (int i = 0; i < bars.length; i++) {
            if (bars[i] == null) {
                continue;
            }
            try {
                bars[i] = bars[i].bind(function);
            } catch (RuntimeException | Error e) {
                for (int j = 0; j < i; j++) {
                    if (bars[j] != null) {
                        bars[j].backing().close();
                    }
                }
                throw e;
            }
        }
    }

    /** Closes the backing of every BAR declared. */
    static void closeAll(PciBar[] bars) {
        for (PciBar b : bars) {
            if (b != null) {
                b.backing().close();
            }
        }
    }
}
