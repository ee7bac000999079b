package dev.jvfio.pci;

import static dev.jvfio.pci.PciHeader.*;

import dev.jvfio.device.Vfio;
import dev.jvfio.os.Fd;
import java.lang.foreign.MemorySegment;

/**
 * The device side of a function's interrupts: the INTx line, MSI and MSI-X vectors, their masking and
 * pending bits, and delivery to the eventfds SET_IRQS installed (PCI-6.x, VU-8.9) — the Java
 * counterpart of the delivery half of the kernel's {@code vfio_pci_intrs.c}. {@link SetIrqs} is the
 * other half (what the client asks for).
 *
 * <p>Not thread-safe: every method runs under the owning {@link VfioPciDevice}'s lock.
 */
final class PciInterrupts {
    private static final System.Logger LOG = System.getLogger(VfioPciDevice.class.getName());

    private final String name;
    private final ConfigSpace config;
    private final int msiAt;
    private final int msixAt;
    private final MsixTable msixTable;
    private final IrqVectors[] irqs = new IrqVectors[Vfio.PCI_NUM_IRQS];
    private final InterruptSignal signal;
    private boolean intxLevel;
    /** Migration STOP: nothing is delivered, every interrupt stays pending until {@link #run()}. */
    private boolean stopped;

    /** Sizes each IRQ index from the capabilities found at msiAt/msixAt/expAt (-1 when absent). */
    PciInterrupts(String name, ConfigSpace config, int msiAt, int msixAt, int expAt, Capability.Msix msix,
            InterruptSignal signal) {
        this.name = name;
        this.config = config;
        this.msiAt = msiAt;
        this.msixAt = msixAt;
        this.signal = signal;
        this.msixTable = msix != null ? new MsixTable(msix.tableSize()) : null;
        int pin = config.read8(INTERRUPT_PIN);
        irqs[Vfio.PCI_INTX_IRQ_INDEX] = new IrqVectors(pin != 0 ? 1 : 0);
        irqs[Vfio.PCI_MSI_IRQ_INDEX] = new IrqVectors(msiAt >= 0 ? 1 << ((config.read16(msiAt + 2) >>> 1) & 7) : 0);
        irqs[Vfio.PCI_MSIX_IRQ_INDEX] = new IrqVectors(msix != null ? msix.tableSize() : 0);
        irqs[Vfio.PCI_ERR_IRQ_INDEX] = new IrqVectors(expAt >= 0 ? 1 : 0);
        irqs[Vfio.PCI_REQ_IRQ_INDEX] = new IrqVectors(1);
    }

    /** The vectors of one IRQ index (index already checked). */
    IrqVectors vectors(int index) {
        return irqs[index];
    }

    /** Whether an INTx/MSI/MSI-X index other than index has an eventfd installed. */
    boolean otherTypeActive(int index) {
        for (int i = 0; i <= Vfio.PCI_MSIX_IRQ_INDEX; i++) {
            if (i != index && irqs[i].anyAssigned()) {
                return true;
            }
        }
        return false;
    }

    // ================================================================ INTx (PCI-6.1)

    void raiseIntx() {
        if (irqs[Vfio.PCI_INTX_IRQ_INDEX].count() == 0) {
            return;
        }
        intxLevel = true;
        config.setBits16(STATUS, STATUS_INTERRUPT, true);
        deliverIntx();
    }

    void lowerIntx() {
        intxLevel = false;
        config.setBits16(STATUS, STATUS_INTERRUPT, false);
        IrqVectors intx = irqs[Vfio.PCI_INTX_IRQ_INDEX];
        if (intx.count() > 0) {
            intx.setPending(0, false);
        }
    }

    boolean intxAsserted() {
        return intxLevel;
    }

    /** Drops the line without touching Status (SET_IRQS disabling INTx, detach). */
    void releaseIntx() {
        intxLevel = false;
    }

    /** Fires the asserted line unless Command.INTxDisable or the SET_IRQS mask holds it pending. */
    void deliverIntx() {
        IrqVectors intx = irqs[Vfio.PCI_INTX_IRQ_INDEX];
        if (!intxLevel || intx.count() == 0) {
            return;
        }
        if (stopped || (config.read16(COMMAND) & COMMAND_INTX_DISABLE) != 0 || intx.masked(0) || intx.fd(0) == null) {
            intx.setPending(0, true);
            return;
        }
        intx.setPending(0, false);
        intx.setMasked(0, true); // INTx is automasked until SET_IRQS UNMASK (VU-8.9)
        fire(intx.fd(0));
    }

    // ================================================================ MSI (PCI-6.3)

    boolean triggerMsi(int v) {
        IrqVectors msi = irqs[Vfio.PCI_MSI_IRQ_INDEX];
        if (v < 0 || v >= msi.count() || msi.fd(v) == null) {
            return false;
        }
        if (msiMasked(v)) {
            setMsiPending(v, true);
            return false;
        }
        fire(msi.fd(v));
        return true;
    }

    private boolean msiPerVectorMask() {
        return msiAt >= 0 && (config.read16(msiAt + 2) & 0x100) != 0;
    }

    private int msiMaskOffset() {
        boolean is64 = (config.read16(msiAt + 2) & 0x80) != 0;
        return msiAt + (is64 ? 16 : 12);
    }

    private boolean msiMasked(int v) {
        IrqVectors msi = irqs[Vfio.PCI_MSI_IRQ_INDEX];
        return stopped || msi.masked(v) || (msiPerVectorMask() && (config.read32(msiMaskOffset()) & (1 << v)) != 0);
    }

    private void setMsiPending(int v, boolean on) {
        irqs[Vfio.PCI_MSI_IRQ_INDEX].setPending(v, on);
        if (msiPerVectorMask()) {
            config.setBits32(msiMaskOffset() + 4, 1 << v, on);
        }
    }

    /** Sends every pending MSI vector that is no longer masked. */
    void flushMsi() {
        IrqVectors msi = irqs[Vfio.PCI_MSI_IRQ_INDEX];
        for (int v = 0; v < msi.count(); v++) {
            if (msi.pending(v) && !msiMasked(v) && msi.fd(v) != null) {
                setMsiPending(v, false);
                fire(msi.fd(v));
            }
        }
    }

    // ================================================================ MSI-X (PCI-6.4)

    boolean triggerMsix(int v) {
        IrqVectors x = irqs[Vfio.PCI_MSIX_IRQ_INDEX];
        if (v < 0 || v >= x.count() || x.fd(v) == null) {
            return false;
        }
        if (msixMasked(v)) {
            msixTable.setPending(v, true);
            return false;
        }
        fire(x.fd(v));
        return true;
    }

    boolean msixPending(int v) {
        return msixTable != null && v >= 0 && v < msixTable.vectors() && msixTable.pending(v);
    }

    private boolean msixMasked(int v) {
        return stopped || irqs[Vfio.PCI_MSIX_IRQ_INDEX].masked(v) || msixTable.vectorMasked(v)
                || (config.read16(msixAt + 2) & 0x4000) != 0;
    }

    /** Sends every pending MSI-X vector that is no longer masked. */
    void flushMsix() {
        if (msixTable == null) {
            return;
        }
        IrqVectors x = irqs[Vfio.PCI_MSIX_IRQ_INDEX];
        for (int v = 0; v < x.count(); v++) {
            if (msixTable.pending(v) && !msixMasked(v) && x.fd(v) != null) {
                msixTable.setPending(v, false);
                fire(x.fd(v));
            }
        }
    }

    /** A trapped access to the MSI-X table; a write may unmask vectors and so deliver them. */
    void msixTableAccess(int offset, MemorySegment piece, boolean write) {
        if (!write) {
            msixTable.readTable(offset, piece);
            return;
        }
        msixTable.writeTable(offset, piece);
        flushMsix();
    }

    void readPba(int offset, MemorySegment piece) {
        msixTable.readPba(offset, piece);
    }

    // ================================================================ any type

    /** MSI-X if the client installed MSI-X eventfds, else MSI, else asserts INTx (v ignored). */
    boolean raiseInterrupt(int v) {
        if (irqs[Vfio.PCI_MSIX_IRQ_INDEX].anyAssigned()) {
            return triggerMsix(v);
        }
        if (irqs[Vfio.PCI_MSI_IRQ_INDEX].anyAssigned()) {
            return triggerMsi(v);
        }
        raiseIntx();
        return true;
    }

    // ================================================================ migration

    /** STOP: from now on every interrupt the device raises stays pending (INTx, MSI, MSI-X PBA). */
    void stop() {
        stopped = true;
    }

    /** RUNNING again: what became pending while stopped (or arrived in a migration) is delivered. */
    void run() {
        stopped = false;
        deliverIntx();
        flushMsi();
        flushMsix();
    }

    boolean stopped() {
        return stopped;
    }

    /** The MSI-X table, or null without MSI-X. */
    MsixTable msixTable() {
        return msixTable;
    }

    /** Restores the INTx line of a migrated function (no delivery: {@link #run()} does that). */
    void restoreIntx(boolean level) {
        intxLevel = level;
    }

    /** Reset: the line drops, the MSI-X table returns to power-on, every pending bit clears (PCI-5.x). */
    void reset() {
        intxLevel = false;
        if (msixTable != null) {
            msixTable.reset();
        }
        for (IrqVectors v : irqs) {
            v.clearPending();
        }
    }

    /** Detach: every eventfd closed, the line dropped. */
    void clear() {
        for (IrqVectors v : irqs) {
            v.clear();
        }
        intxLevel = false;
    }

    void fire(Fd fd) {
        try {
            signal.signal(fd);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "interrupt eventfd write failed on " + name, e);
        }
    }
}
