package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;

/**
 * GET_REGION_IO_FDS (VU-4.6): request {@code u32 argsz, flags, index, count}. We offer no
 * ioeventfd sub-regions, so the reply is the same struct with count 0 and no fds.
 */
public final class RegionIoFdsMessage {
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
        if (Wire.u32l(msg, OFF_ARGSZ) < PAYLOAD) {
            return Errno.EINVAL;
        }
        return Wire.u32(msg, OFF_FLAGS) != 0 ? Errno.EINVAL : 0;
    }

    public static long index(MemorySegment msg) {
        return Wire.u32l(msg, OFF_INDEX);
    }

    public static int encodeRequest(MemorySegment out, int id, int index) {
        Header.request(out, id, Command.DEVICE_GET_REGION_IO_FDS, SIZE, false);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD);
        Wire.putU32(out, OFF_FLAGS, 0);
        Wire.putU32(out, OFF_INDEX, index);
        Wire.putU32(out, OFF_COUNT, 0);
        return SIZE;
    }

    public static int encodeEmptyReply(MemorySegment out, int id, int index) {
        Header.reply(out, id, Command.DEVICE_GET_REGION_IO_FDS, SIZE);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD);
        Wire.putU32(out, OFF_FLAGS, 0);
        Wire.putU32(out, OFF_INDEX, index);
        Wire.putU32(out, OFF_COUNT, 0);
        return SIZE;
    }

    public static int replyCount(MemorySegment msg) {
        return msg.byteSize() < SIZE ? -1 : Wire.u32(msg, OFF_COUNT);
    }
}
