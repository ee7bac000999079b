package dev.jvfio.nvgrace;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The config-space BAR registers the variant emulates (reference NV-3): BAR2/3 for resmem (only when
 * it exists) and BAR4/5 for usemem, each an 8-byte little-endian shadow that the core never sees.
 *
 * <p>Pure logic over byte buffers; the device calls it around the core's config access. Like the
 * driver, one request is matched against BAR2/3 first and only otherwise against BAR4/5, so an odd
 * request that spans both pairs touches only the first (never done by a VMM, which uses aligned
 * dwords). When resmem does not exist, a request touching 0x18..0x1F is left entirely to the core.
 *
 * <p>The {@linkplain #masked() masked} flavour is the region layout: BARs 2..5 read as zero and
 * writes to them vanish, like unimplemented BARs of vfio-pci-core.
 */
final class EmulatedBars {
    private static final int REG_BYTES = 8;
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemRegion resmem; // null when absent
    private final MemRegion usemem; // null only when masked
    private final boolean masked;
    private final MemorySegment resShadow = MemorySegment.ofArray(new byte[REG_BYTES]);
    private final MemorySegment useShadow = MemorySegment.ofArray(new byte[REG_BYTES]);
    private final MemorySegment scratch = MemorySegment.ofArray(new byte[REG_BYTES]);

    private EmulatedBars(MemoryLayout layout, boolean masked) {
        this.masked = masked;
        this.usemem = layout == null ? null : layout.usemem();
        this.resmem = layout == null ? null : layout.resmem().orElse(null);
    }

    /** BAR2 (if resmem exists) and BAR4 emulated over the given layout. */
    static EmulatedBars over(MemoryLayout layout) {
        return new EmulatedBars(layout, false);
    }

    /** BARs 2..5 hidden (size 0) for the region layout. */
    static EmulatedBars masked() {
        return new EmulatedBars(null, true);
    }

    /** NV-3.2: zero both shadows (device open and DEVICE_RESET; never on FLR). */
    synchronized void clear() {
        resShadow.fill((byte) 0);
        useShadow.fill((byte) 0);
    }

    /** The two shadows, BAR2's then BAR4's (16 bytes), for a migration stream. */
    synchronized byte[] shadows() {
        byte[] out = new byte[2 * REG_BYTES];
        MemorySegment.copy(resShadow, 0, MemorySegment.ofArray(out), 0, REG_BYTES);
        MemorySegment.copy(useShadow, 0, MemorySegment.ofArray(out), REG_BYTES, REG_BYTES);
        return out;
    }

    /** Restores migrated shadows (16 bytes, as {@link #shadows()} gave them). */
    synchronized void restoreShadows(byte[] both) {
        MemorySegment.copy(MemorySegment.ofArray(both), 0, resShadow, 0, REG_BYTES);
        MemorySegment.copy(MemorySegment.ofArray(both), REG_BYTES, useShadow, 0, REG_BYTES);
    }

    /** The raw 8-byte shadow of the pair at 0x18 (BAR2) or 0x20 (BAR4), as last written. */
    synchronized long shadow(int barOffset) {
        return switch (barOffset) {
            case NvGraceConstants.PCI_BASE_ADDRESS_2 -> resShadow.get(LE64, 0);
            case NvGraceConstants.PCI_BASE_ADDRESS_4 -> useShadow.get(LE64, 0);
            default -> throw new IllegalArgumentException("not an emulated BAR: 0x" + Integer.toHexString(barOffset));
        };
    }

    /** NV-3.3: what a 64-bit read of a BAR pair returns: {@code (shadow & ~(barSize-1)) | 0xC}. */
    static long readValue(long shadow, long barSize) {
        return (shadow & ~(barSize - 1)) | NvGraceConstants.BAR_FLAGS_MEM64_PREFETCH;
    }

    /**
     * NV-3.3: after the core filled {@code buf} with the config bytes at {@code pos}, overwrite the
     * bytes that overlap an emulated BAR pair.
     */
    synchronized void overlayRead(long pos, MemorySegment buf) {
        long count = buf.byteSize();
        if (masked) {
            zeroOverlap(pos, buf, NvGraceConstants.PCI_BASE_ADDRESS_2, 2 * REG_BYTES);
            return;
        }
        int target = target(pos, count);
        if (target < 0) {
            return;
        }
        MemRegion region = target == NvGraceConstants.PCI_BASE_ADDRESS_2 ? resmem : usemem;
        MemorySegment shadow = target == NvGraceConstants.PCI_BASE_ADDRESS_2 ? resShadow : useShadow;
        scratch.set(LE64, 0, readValue(shadow.get(LE64, 0), region.barSize()));
        long start = Math.max(pos, target);
        long end = Math.min(pos + count, target + REG_BYTES);
        MemorySegment.copy(scratch, start - target, buf, start - pos, end - start);
    }

    /**
     * NV-3.4: if the write at {@code pos} overlaps an emulated BAR pair, store only the overlapping
     * bytes verbatim into the shadow and return their count (a short write when the request spilled
     * outside). Returns -1 when the write is not for an emulated BAR and must go to the core.
     */
    synchronized int absorbWrite(long pos, MemorySegment src) {
        long count = src.byteSize();
        if (masked) {
            long start = Math.max(pos, NvGraceConstants.PCI_BASE_ADDRESS_2);
            long end = Math.min(pos + count, NvGraceConstants.PCI_BASE_ADDRESS_2 + 2 * REG_BYTES);
            return end > start ? (int) (end - start) : -1;
        }
        int target = target(pos, count);
        if (target < 0) {
            return -1;
        }
        MemorySegment shadow = target == NvGraceConstants.PCI_BASE_ADDRESS_2 ? resShadow : useShadow;
        long start = Math.max(pos, target);
        long end = Math.min(pos + count, target + REG_BYTES);
        MemorySegment.copy(src, start - pos, shadow, start - target, end - start);
        return (int) (end - start);
    }

    /** Which pair the request belongs to, with the driver's "BAR2 first, else BAR4" rule; -1 for none. */
    private int target(long pos, long count) {
        if (overlaps(pos, count, NvGraceConstants.PCI_BASE_ADDRESS_2)) {
            return resmem != null ? NvGraceConstants.PCI_BASE_ADDRESS_2 : -1;
        }
        if (overlaps(pos, count, NvGraceConstants.PCI_BASE_ADDRESS_4)) {
            return NvGraceConstants.PCI_BASE_ADDRESS_4;
        }
        return -1;
    }

    private static boolean overlaps(long pos, long count, int reg) {
        return count > 0 && pos < reg + REG_BYTES && pos + count > reg;
    }

    private static void zeroOverlap(long pos, MemorySegment buf, int reg, int len) {
        long start = Math.max(pos, reg);
        long end = Math.min(pos + buf.byteSize(), reg + len);
        if (end > start) {
            buf.asSlice(start - pos, end - start).fill((byte) 0);
        }
    }
}
