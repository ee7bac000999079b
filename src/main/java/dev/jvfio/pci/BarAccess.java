package dev.jvfio.pci;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;

/**
 * Trapped BAR reads and writes: range checks, gating on memory/I/O decode and D3hot (PCI-4.x), and the
 * split of an access at the MSI-X table and PBA, which are emulated here and not by the BAR's backing
 * (PCI-3.4) — the Java counterpart of the kernel's {@code vfio_pci_rdwr.c}.
 */
final class BarAccess {
    private static final System.Logger LOG = System.getLogger(VfioPciDevice.class.getName());

    private final PciBar[] bars;
    private final Capability.Msix msix;
    private final PciInterrupts interrupts;
    /** The function's lock, which guards the MSI-X table and PBA with the rest of its interrupt state. */
    private final Object lock;

    BarAccess(PciBar[] bars, Capability.Msix msix, PciInterrupts interrupts, Object lock) {
        this.bars = bars;
        this.msix = msix;
        this.interrupts = interrupts;
        this.lock = lock;
    }

    /** Reads or writes BAR region of device at offset; returns the bytes done. */
    int access(VfioPciDevice device, int region, long offset, MemorySegment data, boolean write) throws VfioException {
        PciBar bar = checkBar(device, region, offset, data.byteSize());
        try {
            return split(device, bar, offset, data, write);
        } catch (RuntimeException e) {
            throw modelFailure(device, region, e);
        }
    }

    /** A bug in a device model must not escape as anything but an errno to the client. */
    private static VfioException modelFailure(VfioPciDevice device, int region, RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, device.name() + ": BAR " + region + " backing failed", e);
        return new VfioException(Errno.EIO, "BAR " + region + " backing failed: " + e);
    }

    static void checkRange(long offset, long count, long size, String what) throws VfioException {
        if (offset < 0 || count < 0 || offset > size || count > size - offset) {
            throw VfioException.invalid(what + " access [" + offset + ", +" + count + ") outside " + size + " bytes");
        }
    }

    private PciBar checkBar(VfioPciDevice device, int region, long offset, long count) throws VfioException {
        PciBar bar = bars[region];
        if (bar == null) {
            throw VfioException.invalid("BAR " + region + " is not implemented");
        }
        checkRange(offset, count, bar.size(), "BAR " + region);
        device.health().beforeBarAccess(region); // off the bus or waiting for a reset: EIO; stalled: waits (PCI-11)
        if (!device.barAccessible(bar)) {
            throw new VfioException(
                    Errno.EIO,
                    "BAR " + region
                            + (bar.kind().isMemory()
                                    ? (device.inD3Hot() ? ": function in D3hot" : ": memory decode disabled")
                                    : ": I/O decode disabled"));
        }
        return bar;
    }

    /** Splits an access at the MSI-X table/PBA boundaries and serves each piece. */
    private int split(VfioPciDevice device, PciBar bar, long offset, MemorySegment data, boolean write)
            throws VfioException {
        long len = data.byteSize();
        if (msix == null || (msix.tableBar() != bar.index() && msix.pbaBar() != bar.index())) {
            return write ? bar.backing().write(offset, data) : bar.backing().read(offset, data);
        }
        long tStart = msix.tableBar() == bar.index() ? msix.tableOffset() : -1;
        long tEnd = tStart < 0 ? -1 : tStart + msix.tableBytes();
        long pStart = msix.pbaBar() == bar.index() ? msix.pbaOffset() : -1;
        long pEnd = pStart < 0 ? -1 : pStart + msix.pbaBytes();
        long pos = offset;
        long end = offset + len;
        while (pos < end) {
            long next = end;
            int kind; // 0 backing, 1 table, 2 pba
            if (tStart >= 0 && pos >= tStart && pos < tEnd) {
                kind = 1;
                next = Math.min(end, tEnd);
            } else if (pStart >= 0 && pos >= pStart && pos < pEnd) {
                kind = 2;
                next = Math.min(end, pEnd);
            } else {
                kind = 0;
                if (tStart >= 0 && tStart > pos) {
                    next = Math.min(next, tStart);
                }
                if (pStart >= 0 && pStart > pos) {
                    next = Math.min(next, pStart);
                }
            }
            MemorySegment piece = data.asSlice(pos - offset, next - pos);
            switch (kind) {
                case 1 -> {
                    synchronized (lock) {
                        interrupts.msixTableAccess((int) (pos - tStart), piece, write);
                    }
                }
                case 2 -> {
                    if (!write) {
                        synchronized (lock) {
                            interrupts.readPba((int) (pos - pStart), piece);
                        }
                    } // PBA is read-only: writes are dropped
                }
                default -> {
                    int n = write
                            ? bar.backing().write(pos, piece)
                            : bar.backing().read(pos, piece);
                    if (n != piece.byteSize()) {
                        return (int) (pos - offset) + Math.max(0, n);
                    }
                }
            }
            pos = next;
        }
        return (int) len;
    }
}
