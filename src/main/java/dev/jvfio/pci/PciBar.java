package dev.jvfio.pci;

import java.util.Objects;

/**
 * One base address register as the device declares it. A MEM64 BAR occupies slots index and index+1.
 *
 * @param index        slot 0..5 (0..4 for MEM64)
 * @param kind         MEM32, MEM64 or IO
 * @param prefetchable memory BARs only
 * @param size         a power of two: at least 16 for memory, 4..256 for I/O
 * @param backing      serves trapped reads and writes (and may offer an mmap-able file)
 * @param gating       when trapped access answers EIO (default {@link BarGating#DECODE})
 */
public record PciBar(int index, BarKind kind, boolean prefetchable, long size, BarBacking backing, BarGating gating) {
    public PciBar {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(backing, "backing");
        Objects.requireNonNull(gating, "gating");
        int last = kind == BarKind.MEM64 ? 4 : 5;
        if (index < 0 || index > last) {
            throw new IllegalArgumentException(kind + " BAR index out of range: " + index);
        }
        if (Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("BAR size must be a power of two: " + size);
        }
        if (kind == BarKind.IO && (size < 4 || size > 256 || prefetchable)) {
            throw new IllegalArgumentException("I/O BAR must be 4..256 bytes and not prefetchable");
        }
        if (kind.isMemory() && size < 16) {
            throw new IllegalArgumentException("memory BAR must be at least 16 bytes");
        }
        if (kind == BarKind.MEM32 && size > 0x8000_0000L) {
            throw new IllegalArgumentException("32-bit BAR larger than 2 GiB");
        }
    }

    public static PciBar mem32(int index, long size, boolean prefetchable, BarBacking backing) {
        return new PciBar(index, BarKind.MEM32, prefetchable, size, backing, BarGating.DECODE);
    }

    public static PciBar mem64(int index, long size, boolean prefetchable, BarBacking backing) {
        return new PciBar(index, BarKind.MEM64, prefetchable, size, backing, BarGating.DECODE);
    }

    public static PciBar io(int index, long size, BarBacking backing) {
        return new PciBar(index, BarKind.IO, false, size, backing, BarGating.DECODE);
    }

    public PciBar withGating(BarGating g) {
        return new PciBar(index, kind, prefetchable, size, backing, g);
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
}
