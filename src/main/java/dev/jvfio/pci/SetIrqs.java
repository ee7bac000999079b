package dev.jvfio.pci;

import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import java.util.List;
import java.util.function.Consumer;

/**
 * The VFIO side of a function's interrupts: GET_IRQ_INFO and SET_IRQS applied to its
 * {@link PciInterrupts} — the ioctl half of the kernel's {@code vfio_pci_intrs.c}. Every cell of
 * vfio-pci's table (index × action × data type) answers as the kernel does (PCI-10.x in
 * docs/pci-behaviour.md): first the checks every request passes (an index, one data type, vectors
 * inside the index's count, the data that type needs), then the cell's own rules.
 *
 * <p>{@link #apply} runs under the owning {@link VfioPciDevice}'s lock; {@code monitor} is that lock,
 * which the INTx unmask eventfd's thread takes before it unmasks.
 */
final class SetIrqs {
    private final String name;
    private final PciInterrupts interrupts;
    private final Object monitor;

    SetIrqs(String name, PciInterrupts interrupts, Object monitor) {
        this.name = name;
        this.interrupts = interrupts;
        this.monitor = monitor;
    }

    /** GET_IRQ_INFO (PCI-6.6); ERR exists only on a PCI Express function, as with vfio-pci. */
    IrqInfo info(int index) throws VfioException {
        checkIndex(index);
        if (index == Vfio.PCI_ERR_IRQ_INDEX && !interrupts.express()) {
            throw VfioException.invalid("no ERR IRQ: the function is not PCI Express");
        }
        int count = interrupts.vectors(index).count();
        int flags = Vfio.IRQ_INFO_EVENTFD;
        if (index == Vfio.PCI_INTX_IRQ_INDEX) {
            flags |= Vfio.IRQ_INFO_MASKABLE | Vfio.IRQ_INFO_AUTOMASKED;
        } else if (index != Vfio.PCI_MSIX_IRQ_INDEX) {
            // vfio-pci: NORESIZE except for MSI-X when vectors can be added dynamically (we can).
            flags |= Vfio.IRQ_INFO_NORESIZE;
        }
        return new IrqInfo(index, flags, count);
    }

    /**
     * The checks of {@code vfio_set_irqs_validate_and_prepare} (PCI-10.1): a known index, no unknown
     * flag, exactly one data type, {@code [start, start + count)} inside the index's vectors (so every
     * request on an index without vectors), one byte per vector for DATA_BOOL and one eventfd per
     * vector (or none, de-assigning) for DATA_EVENTFD. All EINVAL.
     */
    void validate(IrqSet req) throws VfioException {
        checkIndex(req.index());
        if ((req.flags() & ~(Vfio.IRQ_SET_DATA_TYPE_MASK | Vfio.IRQ_SET_ACTION_TYPE_MASK)) != 0
                || Integer.bitCount(req.dataType()) != 1) {
            throw VfioException.invalid("SET_IRQS needs exactly one data type and no unknown flag");
        }
        long start = Integer.toUnsignedLong(req.start());
        long count = Integer.toUnsignedLong(req.count());
        int vectors = interrupts.vectors(req.index()).count();
        if (start >= vectors || start + count > vectors) {
            throw VfioException.invalid(
                    "vectors [" + start + ", +" + count + ") outside the " + vectors + " of IRQ index " + req.index());
        }
        if (req.dataType() == Vfio.IRQ_SET_DATA_BOOL && (req.bools() == null || req.bools().length < count)) {
            throw VfioException.invalid("DATA_BOOL needs one byte per vector");
        }
        if (req.dataType() == Vfio.IRQ_SET_DATA_EVENTFD
                && !req.eventfds().isEmpty()
                && req.eventfds().size() != count) {
            throw VfioException.invalid(req.eventfds().size() + " eventfds for " + count + " vectors");
        }
    }

    /**
     * EINVAL unless every fd is an eventfd, as the kernel's {@code eventfd_ctx_fdget} answers, checked
     * where a cell takes the fds. A pipe or socket that nobody drains would block the device's
     * interrupt writes; a file would keep a watcher busy.
     */
    private static void checkEventfds(List<Fd> fds) throws VfioException {
        for (Fd fd : fds) {
            if (fd != null && !EventFd.isEventFd(fd)) {
                throw VfioException.invalid("an interrupt fd that is not an eventfd");
            }
        }
    }

    private static void checkIndex(int index) throws VfioException {
        if (index < 0 || index >= Vfio.PCI_NUM_IRQS) {
            throw VfioException.invalid("no IRQ index " + index);
        }
    }

    /** Applies a validated request: the cell of {@code vfio_pci_set_irqs_ioctl} it falls in. */
    void apply(IrqSet req) throws VfioException {
        int action = req.action();
        switch (req.index()) {
            case Vfio.PCI_INTX_IRQ_INDEX -> {
                switch (action) {
                    case Vfio.IRQ_SET_ACTION_MASK -> intxMask(req);
                    case Vfio.IRQ_SET_ACTION_UNMASK -> intxUnmask(req);
                    case Vfio.IRQ_SET_ACTION_TRIGGER -> intxTrigger(req);
                    default -> throw noCell(req);
                }
            }
            case Vfio.PCI_MSI_IRQ_INDEX, Vfio.PCI_MSIX_IRQ_INDEX -> {
                if (action != Vfio.IRQ_SET_ACTION_TRIGGER) {
                    throw noCell(req); // vfio-pci cannot mask MSI/MSI-X vectors through SET_IRQS
                }
                msiTrigger(req);
            }
            default -> { // ERR, REQ: one eventfd each, TRIGGER only
                if (action != Vfio.IRQ_SET_ACTION_TRIGGER) {
                    throw noCell(req);
                }
                singleTrigger(req);
            }
        }
    }

    /** A cell vfio-pci has no handler for (or several action bits): ENOTTY. */
    private static VfioException noCell(IrqSet req) {
        return new VfioException(
                Errno.ENOTTY,
                "IRQ index " + req.index() + " has no SET_IRQS action 0x" + Integer.toHexString(req.action()));
    }

    private boolean intxEnabled() {
        return interrupts.irqType() == Vfio.PCI_INTX_IRQ_INDEX;
    }

    /** The one byte of a DATA_BOOL request on one vector is non-zero. */
    private static boolean firstBool(IrqSet req) {
        return req.bools()[0] != 0;
    }

    private void checkIntxSingle(IrqSet req) throws VfioException {
        if (!intxEnabled() || req.start() != 0 || req.count() != 1) {
            throw VfioException.invalid(
                    "INTx " + (intxEnabled() ? "has one vector: start 0, count 1" : "is not enabled"));
        }
    }

    /** PCI-10.2: INTx MASK. */
    private void intxMask(IrqSet req) throws VfioException {
        checkIntxSingle(req);
        switch (req.dataType()) {
            case Vfio.IRQ_SET_DATA_NONE -> interrupts.maskIntx();
            case Vfio.IRQ_SET_DATA_BOOL -> {
                if (firstBool(req)) {
                    interrupts.maskIntx();
                }
            }
            default -> throw new VfioException(Errno.ENOTTY, "INTx cannot be masked by an eventfd");
        }
    }

    /** PCI-10.3: INTx UNMASK, with an eventfd the KVM resample path. */
    private void intxUnmask(IrqSet req) throws VfioException {
        checkIntxSingle(req);
        switch (req.dataType()) {
            case Vfio.IRQ_SET_DATA_NONE -> interrupts.unmaskIntx();
            case Vfio.IRQ_SET_DATA_BOOL -> {
                if (firstBool(req)) {
                    interrupts.unmaskIntx();
                }
            }
            default -> {
                checkEventfds(req.eventfds());
                Fd fd = req.eventfds().isEmpty() ? null : req.eventfds().getFirst();
                if (fd == null) {
                    interrupts.setResample(null);
                    return;
                }
                Consumer<IntxResample> onSignal = r -> {
                    synchronized (monitor) {
                        interrupts.resampled(r);
                    }
                };
                interrupts.setResample(IntxResample.start(name, fd, onSignal));
            }
        }
    }

    /** PCI-10.4: INTx TRIGGER: enable with an eventfd, disable with DATA_NONE count 0, else loopback. */
    private void intxTrigger(IrqSet req) throws VfioException {
        if (intxEnabled() && req.count() == 0 && req.dataType() == Vfio.IRQ_SET_DATA_NONE) {
            interrupts.disable();
            return;
        }
        if (!(intxEnabled() || interrupts.irqType() == PciInterrupts.NONE) || req.start() != 0 || req.count() != 1) {
            throw VfioException.invalid(
                    intxEnabled() || interrupts.irqType() == PciInterrupts.NONE
                            ? "INTx has one vector: start 0, count 1"
                            : "another interrupt type is enabled");
        }
        if (req.dataType() == Vfio.IRQ_SET_DATA_EVENTFD) {
            checkEventfds(req.eventfds());
            IrqVectors v = interrupts.vectors(Vfio.PCI_INTX_IRQ_INDEX);
            if (!intxEnabled()) {
                interrupts.enable(Vfio.PCI_INTX_IRQ_INDEX);
                v.setMasked(0, false);
            }
            install(v, 0, 1, req.eventfds());
            interrupts.deliverIntx(); // a line asserted before is delivered now
            return;
        }
        if (!intxEnabled()) {
            throw VfioException.invalid("INTx is not enabled");
        }
        if (req.dataType() == Vfio.IRQ_SET_DATA_NONE || firstBool(req)) {
            interrupts.loopbackIntx();
        }
    }

    /** PCI-10.5: MSI or MSI-X TRIGGER: enable and assign, disable with DATA_NONE count 0, else loopback. */
    private void msiTrigger(IrqSet req) throws VfioException {
        int index = req.index();
        int type = interrupts.irqType();
        if (type == index && req.count() == 0 && req.dataType() == Vfio.IRQ_SET_DATA_NONE) {
            interrupts.disable();
            return;
        }
        if (type != index && type != PciInterrupts.NONE) {
            throw VfioException.invalid("another interrupt type is enabled");
        }
        IrqVectors v = interrupts.vectors(index);
        if (req.dataType() == Vfio.IRQ_SET_DATA_EVENTFD) {
            checkEventfds(req.eventfds());
            if (type != index) {
                interrupts.enable(index);
            }
            install(v, req.start(), req.count(), req.eventfds());
            // an interrupt pending from before (a migrated one) goes out once its vector has an eventfd
            if (index == Vfio.PCI_MSI_IRQ_INDEX) {
                interrupts.flushMsi();
            } else {
                interrupts.flushMsix();
            }
            return;
        }
        if (type != index) {
            throw VfioException.invalid((index == Vfio.PCI_MSI_IRQ_INDEX ? "MSI" : "MSI-X") + " is not enabled");
        }
        for (int i = 0; i < req.count(); i++) {
            Fd fd = v.fd(req.start() + i);
            if (fd != null && (req.dataType() == Vfio.IRQ_SET_DATA_NONE || req.bools()[i] != 0)) {
                interrupts.fire(index, fd);
            }
        }
    }

    /** PCI-10.6: ERR and REQ, one eventfd each ({@code vfio_pci_set_ctx_trigger_single}). */
    private void singleTrigger(IrqSet req) throws VfioException {
        IrqVectors v = interrupts.vectors(req.index());
        Fd current = v.fd(0);
        switch (req.dataType()) {
            case Vfio.IRQ_SET_DATA_NONE -> {
                if (current == null) {
                    throw VfioException.invalid("no eventfd to trigger or release on IRQ index " + req.index());
                }
                if (req.count() == 0) {
                    v.deassign(0, 1);
                } else {
                    interrupts.fire(req.index(), current);
                }
            }
            case Vfio.IRQ_SET_DATA_BOOL -> {
                if (req.count() == 0) {
                    throw VfioException.invalid("DATA_BOOL needs a vector");
                }
                if (firstBool(req) && current != null) {
                    interrupts.fire(req.index(), current);
                }
            }
            default -> {
                if (req.count() == 0) {
                    throw VfioException.invalid("DATA_EVENTFD needs a vector");
                }
                checkEventfds(req.eventfds());
                install(v, 0, 1, req.eventfds());
            }
        }
    }

    /** Assigns the eventfds of vectors [start, start + count), or de-assigns them when none came. */
    private static void install(IrqVectors v, int start, int count, List<Fd> fds) {
        if (fds.isEmpty()) {
            v.deassign(start, count);
        } else {
            v.install(start, fds);
        }
    }
}
