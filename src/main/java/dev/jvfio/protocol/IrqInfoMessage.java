package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqInfo;
import java.lang.foreign.MemorySegment;

/** GET_IRQ_INFO (VU-4.4): {@code u32 argsz, flags, index, count} both ways. */
public final class IrqInfoMessage {
    public static final int PAYLOAD = 16;
    public static final int SIZE = Header.SIZE + PAYLOAD;

    private static final int OFF_ARGSZ = Header.SIZE;
    private static final int OFF_FLAGS = Header.SIZE + 4;
    private static final int OFF_INDEX = Header.SIZE + 8;
    private static final int OFF_COUNT = Header.SIZE + 12;

    public static int check(MemorySegment msg) {
        if (msg.byteSize() < SIZE) {
            return Errno.EINVAL;
        }
        return Wire.u32l(msg, OFF_ARGSZ) < PAYLOAD ? Errno.EINVAL : 0;
    }

    /** The requested index, unsigned (may exceed int range: callers compare as long). */
    public static long index(MemorySegment msg) {
        return Wire.u32l(msg, OFF_INDEX);
    }

    public static int encodeRequest(MemorySegment out, int id, int index) {
        Header.request(out, id, Command.DEVICE_GET_IRQ_INFO, SIZE, false);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD);
        Wire.putU32(out, OFF_FLAGS, 0);
        Wire.putU32(out, OFF_INDEX, index);
        Wire.putU32(out, OFF_COUNT, 0);
        return SIZE;
    }

    public static int encodeReply(MemorySegment out, int id, IrqInfo info) {
        Header.reply(out, id, Command.DEVICE_GET_IRQ_INFO, SIZE);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD);
        Wire.putU32(out, OFF_FLAGS, info.flags());
        Wire.putU32(out, OFF_INDEX, info.index());
        Wire.putU32(out, OFF_COUNT, info.count());
        return SIZE;
    }

    public static IrqInfo decodeReply(MemorySegment msg) {
        if (msg.byteSize() < SIZE) {
            return null;
        }
        return new IrqInfo(Wire.u32(msg, OFF_INDEX), Wire.u32(msg, OFF_FLAGS), Wire.u32(msg, OFF_COUNT));
    }
}
