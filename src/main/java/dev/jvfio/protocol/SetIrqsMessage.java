package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import dev.jvfio.device.Vfio;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * SET_IRQS (VU-4.5): {@code u32 argsz, flags, index, start, count} then data: one byte per vector
 * for DATA_BOOL; for DATA_EVENTFD the eventfds ride as SCM_RIGHTS (one per vector, or none to
 * de-assign). QEMU sends argsz 20 with eventfds, and argsz 20 + data otherwise. The reply is a
 * bare header.
 */
public final class SetIrqsMessage {
    public static final int PAYLOAD = 20;
    public static final int SIZE = Header.SIZE + PAYLOAD;
    /** Most vectors in one request (MSI-X allows 2048 per function). */
    public static final int MAX_VECTORS = 2048;

    private static final int OFF_ARGSZ = Header.SIZE;
    private static final int OFF_FLAGS = Header.SIZE + 4;
    private static final int OFF_INDEX = Header.SIZE + 8;
    private static final int OFF_START = Header.SIZE + 12;
    private static final int OFF_COUNT = Header.SIZE + 16;

    private MemorySegment msg;

    /**
     * Checks the request against the {@code fds} descriptors that arrived with it. Returns 0 or
     * an errno.
     */
    public int wrap(MemorySegment msg, int fds) {
        this.msg = msg;
        if (msg.byteSize() < SIZE) {
            return Errno.EINVAL;
        }
        long argsz = Wire.u32l(msg, OFF_ARGSZ);
        if (argsz < PAYLOAD || argsz > msg.byteSize() - Header.SIZE) {
            return Errno.EINVAL;
        }
        int flags = flags();
        int data = flags & Vfio.IRQ_SET_DATA_TYPE_MASK;
        int action = flags & Vfio.IRQ_SET_ACTION_TYPE_MASK;
        if (Integer.bitCount(data) != 1
                || Integer.bitCount(action) != 1
                || (flags & ~(Vfio.IRQ_SET_DATA_TYPE_MASK | Vfio.IRQ_SET_ACTION_TYPE_MASK)) != 0) {
            return Errno.EINVAL;
        }
        long start = Wire.u32l(msg, OFF_START);
        long count = Wire.u32l(msg, OFF_COUNT);
        if (count > MAX_VECTORS || start > Integer.MAX_VALUE - MAX_VECTORS) {
            return Errno.EINVAL;
        }
        if (count == 0 && (data != Vfio.IRQ_SET_DATA_NONE || start != 0)) {
            return Errno.EINVAL;
        }
        if (data == Vfio.IRQ_SET_DATA_EVENTFD) {
            if (fds != 0 && fds != count) {
                return Errno.EINVAL;
            }
        } else if (fds != 0) {
            return Errno.EINVAL;
        }
        if (data == Vfio.IRQ_SET_DATA_BOOL && argsz < PAYLOAD + count) {
            return Errno.EINVAL;
        }
        return 0;
    }

    public int flags() {
        return Wire.u32(msg, OFF_FLAGS);
    }

    public long index() {
        return Wire.u32l(msg, OFF_INDEX);
    }

    public int start() {
        return Wire.u32(msg, OFF_START);
    }

    public int count() {
        return Wire.u32(msg, OFF_COUNT);
    }

    /** The DATA_BOOL bytes (count of them), copied. */
    public byte[] bools() {
        if ((flags() & Vfio.IRQ_SET_DATA_BOOL) == 0) {
            return new byte[0];
        }
        return msg.asSlice(SIZE, count()).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Encodes a request; {@code bools} is used for DATA_BOOL (count bytes), else ignored. */
    public static int encode(MemorySegment out, int id, int flags, int index, int start, int count, byte[] bools) {
        int extra = (flags & Vfio.IRQ_SET_DATA_BOOL) != 0 ? count : 0;
        int size = SIZE + extra;
        Header.request(out, id, Command.DEVICE_SET_IRQS, size, false);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD + extra);
        Wire.putU32(out, OFF_FLAGS, flags);
        Wire.putU32(out, OFF_INDEX, index);
        Wire.putU32(out, OFF_START, start);
        Wire.putU32(out, OFF_COUNT, count);
        if (extra > 0) {
            out.asSlice(SIZE, extra).fill((byte) 0);
            if (bools != null) {
                MemorySegment.copy(bools, 0, out, ValueLayout.JAVA_BYTE, SIZE, Math.min(extra, bools.length));
            }
        }
        return size;
    }
}
