package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;

/**
 * DMA_UNMAP (VU-6.2): {@code u32 argsz, u32 flags, u64 address, u64 size}. The reply echoes the
 * struct (the spec: "responds with the original DMA entry"; libvfio-user and QEMU agree).
 * Flag UNMAP_ALL (the kernel's VFIO_DMA_UNMAP_FLAG_ALL, sent by QEMU) drops every mapping and
 * needs address and size 0; GET_DIRTY_BITMAP is not supported (ENOTSUP).
 */
public final class DmaUnmapMessage {
    public static final int PAYLOAD = 24;
    public static final int SIZE = Header.SIZE + PAYLOAD;
    public static final int FLAG_GET_DIRTY_BITMAP = 1;
    public static final int FLAG_ALL = 2;

    private static final int OFF_ARGSZ = Header.SIZE;
    private static final int OFF_FLAGS = Header.SIZE + 4;
    private static final int OFF_ADDRESS = Header.SIZE + 8;
    private static final int OFF_SIZE = Header.SIZE + 16;

    private MemorySegment msg;

    public int wrap(MemorySegment msg) {
        this.msg = msg;
        if (msg.byteSize() < SIZE) {
            return Errno.EINVAL;
        }
        if (Wire.u32l(msg, OFF_ARGSZ) < PAYLOAD) {
            return Errno.EINVAL;
        }
        int flags = flags();
        if ((flags & FLAG_GET_DIRTY_BITMAP) != 0) {
            return Errno.ENOTSUP;
        }
        if ((flags & ~FLAG_ALL) != 0) {
            return Errno.EINVAL;
        }
        if (all()) {
            return address() == 0 && size() == 0 ? 0 : Errno.EINVAL;
        }
        if (size() == 0 || Wire.addOverflows(address(), size())) {
            return Errno.EINVAL;
        }
        return 0;
    }

    public int argsz() {
        return Wire.u32(msg, OFF_ARGSZ);
    }

    public int flags() {
        return Wire.u32(msg, OFF_FLAGS);
    }

    public boolean all() {
        return (flags() & FLAG_ALL) != 0;
    }

    public long address() {
        return Wire.u64(msg, OFF_ADDRESS);
    }

    public long size() {
        return Wire.u64(msg, OFF_SIZE);
    }

    public static int encode(MemorySegment out, int id, int flags, long address, long size) {
        Header.request(out, id, Command.DMA_UNMAP, SIZE, false);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD);
        Wire.putU32(out, OFF_FLAGS, flags);
        Wire.putU64(out, OFF_ADDRESS, address);
        Wire.putU64(out, OFF_SIZE, size);
        return SIZE;
    }

    /** The reply: the request's struct echoed. */
    public static int encodeReply(MemorySegment out, int id, int argsz, int flags, long address, long size) {
        Header.reply(out, id, Command.DMA_UNMAP, SIZE);
        Wire.putU32(out, OFF_ARGSZ, argsz);
        Wire.putU32(out, OFF_FLAGS, flags);
        Wire.putU64(out, OFF_ADDRESS, address);
        Wire.putU64(out, OFF_SIZE, size);
        return SIZE;
    }
}
