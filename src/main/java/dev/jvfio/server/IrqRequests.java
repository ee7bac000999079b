package dev.jvfio.server;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.IrqInfoMessage;
import dev.jvfio.protocol.SetIrqsMessage;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * DEVICE_GET_IRQ_INFO and DEVICE_SET_IRQS of one session (VU-7): checks the index against the
 * device's IRQ count and hands the eventfds that came with SET_IRQS to the device. Each method
 * fills the session's {@link Reply}: its size in {@code out}, or an errno.
 */
final class IrqRequests {
    private final VfioDevice device;
    private final DeviceInfo info;
    private final MemorySegment out;
    private final Reply reply;
    private final SetIrqsMessage setIrqs = new SetIrqsMessage();

    IrqRequests(VfioDevice device, DeviceInfo info, MemorySegment out, Reply reply) {
        this.device = device;
        this.info = info;
        this.out = out;
        this.reply = reply;
    }

    Reply info(MemorySegment m, int id) throws VfioException {
        int errno = IrqInfoMessage.check(m);
        if (errno != 0) {
            return reply.error(errno);
        }
        long index = IrqInfoMessage.index(m);
        if (index >= Integer.toUnsignedLong(info.numIrqs())) {
            return reply.error(Errno.EINVAL);
        }
        return reply.sized(IrqInfoMessage.encodeReply(out, id, device.irqInfo((int) index)));
    }

    /** SET_IRQS; on success the device owns the eventfds and {@code fds} is emptied. */
    Reply set(MemorySegment m, int id, List<Fd> fds) throws VfioException {
        int errno = setIrqs.wrap(m, fds.size());
        if (errno != 0) {
            return reply.error(errno);
        }
        long index = setIrqs.index();
        if (index >= Integer.toUnsignedLong(info.numIrqs())) {
            return reply.error(Errno.EINVAL);
        }
        List<Fd> eventfds = fds.isEmpty() ? List.of() : List.copyOf(fds);
        IrqSet request =
                new IrqSet((int) index, setIrqs.flags(), setIrqs.start(), setIrqs.count(), setIrqs.bools(), eventfds);
        device.setIrqs(request);
        fds.clear(); // the device owns them now (IrqSet javadoc); on a throw they stay ours to close
        Header.reply(out, id, Command.DEVICE_SET_IRQS, Header.SIZE);
        return reply.sized(Header.SIZE);
    }
}
