package dev.jvfio.pci;

import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import java.util.List;

/**
 * The VFIO side of a function's interrupts: GET_IRQ_INFO and SET_IRQS (eventfd install and removal,
 * mask, unmask, loopback trigger; VU-4.5, VU-8.9) applied to its {@link PciInterrupts} — the ioctl half
 * of the kernel's {@code vfio_pci_intrs.c}.
 *
 * <p>{@link #apply} runs under the owning {@link VfioPciDevice}'s lock.
 */
final class SetIrqs {
    private final PciInterrupts interrupts;

    SetIrqs(PciInterrupts interrupts) {
        this.interrupts = interrupts;
    }

    IrqInfo info(int index) throws VfioException {
        checkIndex(index);
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

    /** The checks that need no device state: the index, exactly one data type and one action. */
    void validate(IrqSet req) throws VfioException {
        checkIndex(req.index());
        if (Integer.bitCount(req.dataType()) != 1 || Integer.bitCount(req.action()) != 1) {
            throw VfioException.invalid("SET_IRQS needs exactly one data type and one action");
        }
    }

    private static void checkIndex(int index) throws VfioException {
        if (index < 0 || index >= Vfio.PCI_NUM_IRQS) {
            throw VfioException.invalid("no IRQ index " + index);
        }
    }

    /** Applies a validated request. */
    void apply(IrqSet req) throws VfioException {
        int index = req.index();
        int type = req.dataType();
        int action = req.action();
        IrqVectors vectors = interrupts.vectors(index);
        long start = Integer.toUnsignedLong(req.start());
        long count = Integer.toUnsignedLong(req.count());
        if (type == Vfio.IRQ_SET_DATA_NONE && action == Vfio.IRQ_SET_ACTION_TRIGGER && count == 0) {
            vectors.clear();          // disable every vector of the index (VU-4.5)
            if (index == Vfio.PCI_INTX_IRQ_INDEX) {
                interrupts.releaseIntx();
            }
            return;
        }
        if (start + count > vectors.count()) {
            throw VfioException.invalid("vectors [" + start + ", +" + count + ") outside " + vectors.count());
        }
        int s = (int) start;
        int n = (int) count;
        if (type == Vfio.IRQ_SET_DATA_BOOL && (req.bools() == null || req.bools().length != n)) {
            throw VfioException.invalid("DATA_BOOL needs one byte per vector");
        }
        if (type == Vfio.IRQ_SET_DATA_EVENTFD) {
            assignEventfds(index, action, vectors, s, n, req.eventfds());
            return;
        }
        switch (action) {
            case Vfio.IRQ_SET_ACTION_MASK, Vfio.IRQ_SET_ACTION_UNMASK -> {
                if (index > Vfio.PCI_MSIX_IRQ_INDEX) {
                    throw VfioException.invalid("IRQ index " + index + " is not maskable");
                }
                boolean mask = action == Vfio.IRQ_SET_ACTION_MASK;
                for (int i = 0; i < n; i++) {
                    if (type == Vfio.IRQ_SET_DATA_NONE || req.bools()[i] != 0) {
                        vectors.setMasked(s + i, mask);
                    }
                }
                if (!mask) {
                    switch (index) {
                        case Vfio.PCI_INTX_IRQ_INDEX -> interrupts.deliverIntx();
                        case Vfio.PCI_MSI_IRQ_INDEX -> interrupts.flushMsi();
                        default -> interrupts.flushMsix();
                    }
                }
            }
            default -> { // TRIGGER with NONE/BOOL: loopback signal of the installed eventfds
                for (int i = 0; i < n; i++) {
                    if ((type == Vfio.IRQ_SET_DATA_NONE || req.bools()[i] != 0) && vectors.fd(s + i) != null) {
                        interrupts.fire(vectors.fd(s + i));
                    }
                }
            }
        }
    }

    private void assignEventfds(int index, int action, IrqVectors vectors, int s, int n, List<Fd> fds)
            throws VfioException {
        if (action != Vfio.IRQ_SET_ACTION_TRIGGER) {
            throw VfioException.invalid("eventfds only with ACTION_TRIGGER");
        }
        if (!fds.isEmpty() && fds.size() != n) {
            throw VfioException.invalid(fds.size() + " eventfds for " + n + " vectors");
        }
        if (!fds.isEmpty() && index <= Vfio.PCI_MSIX_IRQ_INDEX && interrupts.otherTypeActive(index)) {
            throw VfioException.invalid("another interrupt type is enabled");
        }
        if (fds.isEmpty()) {
            vectors.deassign(s, n);
        } else {
            vectors.install(s, fds); // the device owns them from here
        }
        // an interrupt pending from before (a migrated one) goes out once its vector has an eventfd
        switch (index) {
            case Vfio.PCI_INTX_IRQ_INDEX -> interrupts.deliverIntx();
            case Vfio.PCI_MSI_IRQ_INDEX -> interrupts.flushMsi();
            case Vfio.PCI_MSIX_IRQ_INDEX -> interrupts.flushMsix();
            default -> { }
        }
    }
}
