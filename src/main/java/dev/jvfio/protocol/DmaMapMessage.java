package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;

/**
 * DMA_MAP request (VU-6.1): {@code u32 argsz, u32 flags (bit0 read, bit1 write), u64 offset
 * (file offset in the passed fd), u64 address, u64 size}. The reply is a bare header.
 */
public final class DmaMapMessage {
    public static final int PAYLOAD = 32;
    public static final int SIZE = Header.SIZE + PAYLOAD;
    public static final int FLAG_READ = 1;
    public static final int FLAG_WRITE = 2;

    private static final int OFF_ARGSZ = Header.SIZE;
    private static final int OFF_FLAGS = Header.SIZE + 4;
    private static final int OFF_OFFSET = Header.SIZE + 8;
    private static final int OFF_ADDRESS = Header.SIZE + 16;
    private static final int OFF_SIZE = Header.SIZE + 24;

    private MemorySegment msg;

    /**
     * Checks the message: the 32-byte struct present, argsz covering it, only known flag bits,
     * a non-empty window aligned to {@code pageSize} (the pgsizes the server announced, VU-3.3)
     * that does not wrap, and a file offset that does not wrap. Returns 0 or an errno.
     */
    public int wrap(MemorySegment msg, long pageSize) {
        this.msg = msg;
        if (msg.byteSize() < SIZE) {
            return Errno.EINVAL;
        }
        long argsz = Wire.u32l(msg, OFF_ARGSZ);
        if (argsz < PAYLOAD || argsz > msg.byteSize() - Header.SIZE) {
            return Errno.EINVAL;
        }
        if ((flags() & ~(FLAG_READ | FLAG_WRITE)) != 0) {
            return Errno.EINVAL;
        }
        long size = size();
        long address = address();
        if (size == 0 || Wire.addOverflows(address, size) || Wire.addOverflows(fileOffset(), size)) {
            return Errno.EINVAL;
        }
        if (((address | size) & (pageSize - 1)) != 0) {
            return Errno.EINVAL;
        }
        return 0;
    }

    public int flags() {
        return Wire.u32(msg, OFF_FLAGS);
    }

    public boolean readable() {
        return (flags() & FLAG_READ) != 0;
    }

    public boolean writable() {
        return (flags() & FLAG_WRITE) != 0;
    }

    public long fileOffset() {
        return Wire.u64(msg, OFF_OFFSET);
    }

    public long address() {
        return Wire.u64(msg, OFF_ADDRESS);
    }

    public long size() {
        return Wire.u64(msg, OFF_SIZE);
    }

    /** Encodes a DMA_MAP request; returns its size. */
    public static int encode(MemorySegment out, int id, int flags, long fileOffset, long address, long size) {
        Header.request(out, id, Command.DMA_MAP, SIZE, false);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD);
        Wire.putU32(out, OFF_FLAGS, flags);
        Wire.putU64(out, OFF_OFFSET, fileOffset);
        Wire.putU64(out, OFF_ADDRESS, address);
        Wire.putU64(out, OFF_SIZE, size);
        return SIZE;
    }
}
