package dev.jvfio.protocol;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;

/**
 * DEVICE_GET_INFO (VU-4.1): request and reply {@code u32 argsz, flags, num_regions, num_irqs}.
 * The request's argsz (room for the reply) must cover the 16-byte struct.
 */
public final class DeviceInfoMessage {
    public static final int PAYLOAD = 16;
    public static final int SIZE = Header.SIZE + PAYLOAD;

    private static final int OFF_ARGSZ = Header.SIZE;
    private static final int OFF_FLAGS = Header.SIZE + 4;
    private static final int OFF_REGIONS = Header.SIZE + 8;
    private static final int OFF_IRQS = Header.SIZE + 12;

    /** Request check: returns 0 or an errno. */
    public static int check(MemorySegment msg) {
        if (msg.byteSize() < SIZE) {
            return Errno.EINVAL;
        }
        return Wire.u32l(msg, OFF_ARGSZ) < PAYLOAD ? Errno.EINVAL : 0;
    }

    public static int encodeRequest(MemorySegment out, int id) {
        Header.request(out, id, Command.DEVICE_GET_INFO, SIZE, false);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD);
        Wire.putU32(out, OFF_FLAGS, 0);
        Wire.putU32(out, OFF_REGIONS, 0);
        Wire.putU32(out, OFF_IRQS, 0);
        return SIZE;
    }

    public static int encodeReply(MemorySegment out, int id, DeviceInfo info) {
        Header.reply(out, id, Command.DEVICE_GET_INFO, SIZE);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD);
        Wire.putU32(out, OFF_FLAGS, info.flags());
        Wire.putU32(out, OFF_REGIONS, info.numRegions());
        Wire.putU32(out, OFF_IRQS, info.numIrqs());
        return SIZE;
    }

    /** Decodes a reply (client side); null if it is too short. */
    public static DeviceInfo decodeReply(MemorySegment msg) {
        if (msg.byteSize() < SIZE) {
            return null;
        }
        return new DeviceInfo(Wire.u32(msg, OFF_FLAGS), Wire.u32(msg, OFF_REGIONS), Wire.u32(msg, OFF_IRQS));
    }
}
