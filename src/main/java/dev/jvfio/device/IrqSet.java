package dev.jvfio.device;

import dev.jvfio.os.Fd;
import java.util.List;

/**
 * A decoded SET_IRQS request (struct vfio_irq_set), already checked against the wire format.
 * Exactly one data type and one action bit are set in {@code flags}.
 *
 * <p>Ownership of {@code eventfds}: if {@link VfioDevice#setIrqs} returns normally, the device
 * owns every fd in the list and closes each one when it is replaced, disabled or the device is
 * detached. If it throws, the caller still owns them and closes them.
 *
 * @param index    IRQ index (INTx 0, MSI 1, MSI-X 2, ERR 3, REQ 4)
 * @param flags    data type | action
 * @param start    first vector
 * @param count    number of vectors
 * @param bools    DATA_BOOL: one byte per vector (count bytes); else empty
 * @param eventfds DATA_EVENTFD: one fd per vector, or an empty list to de-assign
 *                 (an entry may be null for "no fd for this vector", i.e. -1 on the wire)
 */
public record IrqSet(int index, int flags, int start, int count, byte[] bools, List<Fd> eventfds) {
    public int dataType() {
        return flags & Vfio.IRQ_SET_DATA_TYPE_MASK;
    }

    public int action() {
        return flags & Vfio.IRQ_SET_ACTION_TYPE_MASK;
    }
}
