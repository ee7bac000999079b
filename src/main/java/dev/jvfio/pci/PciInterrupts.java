package dev.jvfio.pci;

import static dev.jvfio.pci.PciHeader.*;

import dev.jvfio.device.DeviceEvents;
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
    private final boolean express;
    private boolean intxLevel;
    private volatile DeviceEvents events = DeviceEvents.NONE;
    /** The interrupt type SET_IRQS enabled: INTx, MSI, MSI-X index, or {@link #NONE} (vfio's irq_type). */
    private int irqType = NONE;
    /** The KVM unmask eventfd of INTx, or null (PCI-10.3). */
    private IntxResample resample;
    /** Signals of INTx unmask eventfds acted on (diagnostics). */
    private long resamples;

    /** No interrupt type enabled. */
    static final int NONE = -1;
    /** Migration STOP: nothing is delivered, every interrupt stays pending until {@link #run()}. */
    private boolean stopped;

    /** Sizes each IRQ index from the capabilities found at msiAt/msixAt/expAt (-1 when absent). */
    PciInterrupts(
            String name,
            ConfigSpace config,
            int msiAt,
            int msixAt,
            int expAt,
            Capability.Msix msix,
            InterruptSignal signal) {
        this.name = name;
        this.config = config;
        this.msiAt = msiAt;
        this.msixAt = msixAt;
        this.signal = signal;
        this.express = expAt >= 0;
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

    /** Whether the function has a PCI Express capability (vfio-pci offers the ERR IRQ only then). */
    boolean express() {
        return express;
    }

    /** The enabled interrupt type: an index of INTx, MSI or MSI-X, or {@link #NONE}. */
    int irqType() {
        return irqType;
    }

    /** SET_IRQS enabled INTx, MSI or MSI-X (the caller checked that no other type is enabled). */
    void enable(int index) {
        irqType = index;
    }

    /** SET_IRQS disabled the enabled type: its eventfds closed, INTx also its unmask eventfd and line. */
    void disable() {
        if (irqType == NONE) {
            return;
        }
        irqs[irqType].clear();
        if (irqType == Vfio.PCI_INTX_IRQ_INDEX) {
            setResample(null);
            releaseIntx();
        }
        irqType = NONE;
    }

    /** Installs (or with null removes) the INTx unmask eventfd watcher, ending the previous one. */
    void setResample(IntxResample r) {
        IntxResample old = resample;
        resample = r;
        if (old != null && old != r) {
            old.close();
        }
    }

    boolean resampleArmed() {
        return resample != null;
    }

    /** The unmask eventfd was signalled: unmask INTx, unless that watcher was replaced meanwhile. */
    void resampled(IntxResample r) {
        if (r == resample && !r.closed() && irqType == Vfio.PCI_INTX_IRQ_INDEX) {
            resamples++;
            unmaskIntx();
        }
    }

    long resamples() {
        return resamples;
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

    /** SET_IRQS MASK of INTx: held pending until unmasked. */
    void maskIntx() {
        irqs[Vfio.PCI_INTX_IRQ_INDEX].setMasked(0, true);
    }

    /**
     * SET_IRQS UNMASK of INTx, or a signal of its unmask eventfd: unmasks and, while the device
     * still asserts the line, signals again at once (and so masks again, VU-8.9).
     */
    void unmaskIntx() {
        irqs[Vfio.PCI_INTX_IRQ_INDEX].setMasked(0, false);
        deliverIntx();
    }

    /** SET_IRQS loopback trigger of INTx: signals the trigger unless Command.INTx-disable is set. */
    void loopbackIntx() {
        IrqVectors intx = irqs[Vfio.PCI_INTX_IRQ_INDEX];
        if (intx.fd(0) != null && (config.read16(COMMAND) & COMMAND_INTX_DISABLE) == 0) {
            fire(Vfio.PCI_INTX_IRQ_INDEX, intx.fd(0));
        }
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
        fire(Vfio.PCI_INTX_IRQ_INDEX, intx.fd(0));
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
        fire(Vfio.PCI_MSI_IRQ_INDEX, msi.fd(v));
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
                fire(Vfio.PCI_MSI_IRQ_INDEX, msi.fd(v));
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
        fire(Vfio.PCI_MSIX_IRQ_INDEX, x.fd(v));
        return true;
    }

    boolean msixPending(int v) {
        return msixTable != null && v >= 0 && v < msixTable.vectors() && msixTable.pending(v);
    }

    private boolean msixMasked(int v) {
        return stopped
                || irqs[Vfio.PCI_MSIX_IRQ_INDEX].masked(v)
                || msixTable.vectorMasked(v)
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
                fire(Vfio.PCI_MSIX_IRQ_INDEX, x.fd(v));
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

    /** MSI-X or MSI vector v when SET_IRQS enabled that type, else asserts INTx (v ignored). */
    boolean raiseInterrupt(int v) {
        if (irqType == Vfio.PCI_MSIX_IRQ_INDEX) {
            return triggerMsix(v);
        }
        if (irqType == Vfio.PCI_MSI_IRQ_INDEX) {
            return triggerMsi(v);
        }
        raiseIntx();
        return true;
    }

    // ================================================================ ERR and REQ (PCI-10.7)

    /** Signals the ERR eventfd, if the client installed one; returns whether it did. */
    boolean signalError() {
        return signalSingle(Vfio.PCI_ERR_IRQ_INDEX);
    }

    /** Signals the REQ eventfd (the device asks to be released), if installed; returns whether it did. */
    boolean signalRequest() {
        return signalSingle(Vfio.PCI_REQ_IRQ_INDEX);
    }

    private boolean signalSingle(int index) {
        IrqVectors v = irqs[index];
        Fd fd = v.count() > 0 ? v.fd(0) : null;
        if (fd != null) {
            fire(index, fd);
        }
        return fd != null;
    }

    /** Whether INTx has a KVM unmask eventfd (PCI-10.3), for status reports. */
    boolean intxResampleArmed() {
        return resample != null;
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

    /** Detach: every eventfd closed (the unmask eventfd too), no type enabled, the line dropped. */
    void clear() {
        for (IrqVectors v : irqs) {
            v.clear();
        }
        setResample(null);
        irqType = NONE;
        intxLevel = false;
    }

    /** Who hears of each interrupt fired ({@link VfioPciDevice#observe}). */
    void observe(DeviceEvents e) {
        events = e;
    }

    /** Signals {@code fd}, an eventfd of IRQ index {@code index}, and reports the interrupt. */
    void fire(int index, Fd fd) {
        try {
            signal.signal(fd);
            events.interrupt(index);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "interrupt eventfd write failed on " + name, e);
        }
    }
}
