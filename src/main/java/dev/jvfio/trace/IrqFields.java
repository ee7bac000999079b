package dev.jvfio.trace;

import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.IrqInfoMessage;
import dev.jvfio.protocol.SetIrqsMessage;

/**
 * GET_IRQ_INFO (VU-4.4) and SET_IRQS (VU-4.5): IRQ index, action, data type, start, count, and
 * the eventfds or booleans that come with them.
 */
final class IrqFields {
    private IrqFields() {}

    static void decode(Decoding d, int command) {
        if (command == Command.DEVICE_GET_IRQ_INFO) {
            irqInfo(d);
        } else {
            setIrqs(d);
        }
    }

    /** The PCI name of an IRQ index (vfio's VFIO_PCI_*_IRQ_INDEX), else the number. */
    static String index(long index) {
        return switch ((int) Math.min(index, Integer.MAX_VALUE)) {
            case Vfio.PCI_INTX_IRQ_INDEX -> "INTX";
            case Vfio.PCI_MSI_IRQ_INDEX -> "MSI";
            case Vfio.PCI_MSIX_IRQ_INDEX -> "MSIX";
            case Vfio.PCI_ERR_IRQ_INDEX -> "ERR";
            case Vfio.PCI_REQ_IRQ_INDEX -> "REQ";
            default -> Long.toString(index);
        };
    }

    private static void irqInfo(Decoding d) {
        if (!d.reply) {
            if (d.shorterThan(IrqInfoMessage.SIZE, "DEVICE_GET_IRQ_INFO")) {
                return;
            }
            d.text("irq", index(IrqInfoMessage.index(d.msg)));
            d.verdict(IrqInfoMessage.check(d.msg), "DEVICE_GET_IRQ_INFO rejected");
            return;
        }
        IrqInfo info = IrqInfoMessage.decodeReply(d.msg);
        if (info == null) {
            d.problem("DEVICE_GET_IRQ_INFO reply shorter than " + IrqInfoMessage.SIZE + " bytes");
            return;
        }
        d.text("irq", index(Integer.toUnsignedLong(info.index())));
        d.dec("count", Integer.toUnsignedLong(info.count()));
        d.text("flags", Field.bits(info.flags(), "eventfd", "maskable", "automasked", "noresize"));
    }

    private static void setIrqs(Decoding d) {
        if (d.reply) {
            return; // a bare header
        }
        if (d.shorterThan(SetIrqsMessage.SIZE, "DEVICE_SET_IRQS")) {
            return;
        }
        SetIrqsMessage m = new SetIrqsMessage();
        int errno = m.wrap(d.msg, d.nfds);
        int flags = m.flags();
        d.text("irq", index(m.index()));
        d.text(
                "action",
                Field.bits(flags & Vfio.IRQ_SET_ACTION_TYPE_MASK, null, null, null, "MASK", "UNMASK", "TRIGGER"));
        d.text("data", Field.bits(flags & Vfio.IRQ_SET_DATA_TYPE_MASK, "NONE", "BOOL", "EVENTFD"));
        int other = flags & ~(Vfio.IRQ_SET_ACTION_TYPE_MASK | Vfio.IRQ_SET_DATA_TYPE_MASK);
        if (other != 0) {
            d.text("flags", "0x" + Integer.toHexString(flags));
        }
        d.dec("start", Integer.toUnsignedLong(m.start()));
        d.dec("count", Integer.toUnsignedLong(m.count()));
        if (errno == 0 && (flags & Vfio.IRQ_SET_DATA_BOOL) != 0) {
            d.data(SetIrqsMessage.SIZE, m.count());
        }
        d.verdict(errno, "DEVICE_SET_IRQS rejected");
    }
}
