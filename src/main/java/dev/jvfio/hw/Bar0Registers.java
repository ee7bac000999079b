package dev.jvfio.hw;

import dev.jvfio.engine.CopyEngine;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The simulated GPU's BAR0 register space (16 MiB). Only what a host driver looks at is modelled:
 * the boot register at 0 (chip identification) and the two readiness registers of NV-7, which read
 * 0xFF when ready and 0 while the GPU recovers from a reset, plus jvfio's own read-only guest-info
 * block ({@code GuestInfoRegisters}, usemem length for guest drivers). Every other register reads 0 and writes
 * to it are ignored. Any access width and alignment is served byte by byte from the 32-bit registers.
 * The block at {@link #COPY_ENGINE} is the simulation's DMA copy engine
 * ({@code docs/dma-engine.md}, DMA-1.4) once the host side connected one with {@link #connectEngine}.
 */
public final class Bar0Registers {
    /** BAR0 size of the physical function: 16 MiB. */
    public static final long SIZE = 16L << 20;
    /** Boot register: architecture/implementation of the chip. */
    public static final long BOOT_0 = 0x0;

    public static final long C2C_LINK_STATUS = 0x1498;
    public static final long HBM_TRAINING_STATUS = 0x200BC;
    public static final int STATUS_READY = 0xFF;
    public static final int STATUS_NOT_READY = 0x00;
    /** BAR0 offset of the copy engine's register block ({@link CopyEngine#BLOCK_SIZE} bytes). */
    public static final long COPY_ENGINE = 0x10_0000;

    private final int boot0;
    private final ResetTiming timing;
    private final GuestInfoRegisters guestInfo; // null: the block reads 0 like any unmodelled register
    private volatile CopyEngine engine;

    Bar0Registers(int boot0, ResetTiming timing) {
        this(boot0, timing, null);
    }

    Bar0Registers(int boot0, ResetTiming timing, GuestInfoRegisters guestInfo) {
        this.boot0 = boot0;
        this.timing = timing;
        this.guestInfo = guestInfo;
    }

    /** The boot register's value (chip identity). */
    int boot0() {
        return boot0;
    }

    /** The guest-info block's usemem length, or -1 without the block. */
    long guestInfoUsemem() {
        return guestInfo == null ? -1 : guestInfo.usememSize();
    }

    /** Serves the copy engine's block from now on (its memory is the usable device memory). */
    public void connectEngine(CopyEngine e) {
        engine = e;
    }

    /** The 32-bit register at a 4-byte aligned offset (an unaligned offset reads the containing register). */
    public int read32(long offset) {
        long reg = offset & ~3L;
        CopyEngine e = engine;
        if (e != null && inEngine(reg, 4)) {
            return e.read32((int) (reg - COPY_ENGINE));
        }
        if (reg == BOOT_0) {
            return boot0;
        }
        if (reg == C2C_LINK_STATUS || reg == HBM_TRAINING_STATUS) {
            return timing.ready() ? STATUS_READY : STATUS_NOT_READY;
        }
        if (guestInfo != null && GuestInfoRegisters.contains(reg)) {
            return guestInfo.read32(reg);
        }
        return 0;
    }

    /** Fills dst with the register bytes from offset (clipped to BAR0); returns the count. */
    public int read(long offset, MemorySegment dst) {
        long n = Math.max(0, Math.min(dst.byteSize(), SIZE - offset));
        for (long i = 0; i < n; i++) {
            long at = offset + i;
            dst.set(ValueLayout.JAVA_BYTE, i, (byte) (read32(at) >>> (8 * (at & 3))));
        }
        return (int) n;
    }

    /** Writes reach the copy engine's block; other register writes are ignored. Returns the clipped count. */
    public int write(long offset, MemorySegment src) {
        CopyEngine e = engine;
        if (e != null && inEngine(offset, src.byteSize())) {
            return e.write(offset - COPY_ENGINE, src);
        }
        return (int) Math.max(0, Math.min(src.byteSize(), SIZE - offset));
    }

    private static boolean inEngine(long offset, long length) {
        return offset >= COPY_ENGINE && offset + length <= COPY_ENGINE + CopyEngine.BLOCK_SIZE;
    }
}
