package dev.jvfio.pci;

import static dev.jvfio.pci.PciHeader.*;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * What a guest write to config space sets in motion once {@link ConfigSpace} has applied its per-bit
 * permissions: INTx re-evaluated on a Command write, the PM power-state rules (D1/D2 refused, D3hot→D0
 * soft reset; PCI-3.2, PCI-3.8), pending MSI/MSI-X delivered when unmasked (PCI-6.3, PCI-6.4), and
 * Function Level Reset on PCIe DEVCTL bit 15 (PCI-5.x) — the write side of the kernel's
 * {@code vfio_pci_config.c}.
 *
 * <p>{@link #write} runs under the owning {@link VfioPciDevice}'s lock; it returns the resets it did
 * so the device can tell its listeners after releasing the lock.
 */
final class PciConfigWrites {
    private final ConfigSpace config;
    private final PciInterrupts interrupts;
    private final PciReset reset;
    private final int pmAt;
    private final int msiAt;
    private final int msixAt;
    private final int expAt;

    PciConfigWrites(
            ConfigSpace config, PciInterrupts interrupts, PciReset reset, int pmAt, int msiAt, int msixAt, int expAt) {
        this.config = config;
        this.interrupts = interrupts;
        this.reset = reset;
        this.pmAt = pmAt;
        this.msiAt = msiAt;
        this.msixAt = msixAt;
        this.expAt = expAt;
    }

    /** Writes src at offset at (range already checked) and applies the side effects. */
    List<ResetKind> write(int at, MemorySegment src) {
        List<ResetKind> resets = new ArrayList<>(0);
        int len = (int) src.byteSize();
        int oldPm = pmAt >= 0 ? config.read16(pmAt + 4) : 0;
        config.write(at, src);
        if (overlaps(at, len, COMMAND, 2)) {
            interrupts.deliverIntx();
        }
        if (pmAt >= 0 && overlaps(at, len, pmAt + 4, 2)) {
            int state = config.read16(pmAt + 4) & 3;
            if (state == 1 || state == 2) {
                // D1/D2 are not supported: the write of the power state is ignored (PCI-3.2).
                config.setBits16(pmAt + 4, 3, false);
                config.setBits16(pmAt + 4, oldPm & 3, true);
            } else if ((oldPm & 3) == 3 && state == 0 && (oldPm & 0x8) == 0) {
                // D3hot -> D0 without No_Soft_Reset: the function comes back uninitialized (PCI-3.8).
                reset.resetState();
                resets.add(ResetKind.PM_RESET);
            }
        }
        if (msiAt >= 0 && overlaps(at, len, msiAt, 24)) {
            interrupts.flushMsi();
        }
        if (msixAt >= 0 && overlaps(at, len, msixAt + 2, 2)) {
            interrupts.flushMsix();
        }
        if (expAt >= 0 && overlaps(at, len, expAt + 8, 2) && (config.read16(expAt + 8) & 0x8000) != 0) {
            reset.resetState();
            resets.add(ResetKind.FLR);
        }
        return resets;
    }

    private static boolean overlaps(int at, int len, int reg, int regLen) {
        return at < reg + regLen && reg < at + len;
    }
}
