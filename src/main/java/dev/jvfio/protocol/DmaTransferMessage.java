package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;

/**
 * DMA_READ / DMA_WRITE (server to client), in QEMU 10.2's layout (VU-8.4): {@code u64 address,
 * u32 count} then the data at offset 12 of the payload. The spec says {@code u64 count} with
 * data at 16, but QEMU is the client we must satisfy, so QEMU wins. A DMA_WRITE reply from QEMU
 * is a bare header; a DMA_READ reply repeats the fields and carries the data.
 *
 * <p>The server sends these for DMA windows mapped without an fd ({@code server.MessageDma},
 * DMA-2.5 in docs/dma-engine.md), chunked to the client's max_data_xfer_size.
 */
public final class DmaTransferMessage {
    public static final int PAYLOAD = 12;
    public static final int SIZE = Header.SIZE + PAYLOAD;
    public static final int DATA = SIZE;
    private static final int OFF_ADDRESS = Header.SIZE;
    private static final int OFF_COUNT = Header.SIZE + 8;

    private DmaTransferMessage() {}

    /** DMA_READ request; returns its size. */
    public static int encodeRead(MemorySegment out, int id, long address, int count) {
        Header.request(out, id, Command.DMA_READ, SIZE, false);
        Wire.putU64(out, OFF_ADDRESS, address);
        Wire.putU32(out, OFF_COUNT, count);
        return SIZE;
    }

    /** DMA_WRITE request; the caller places count bytes at {@link #DATA}. */
    public static int encodeWrite(MemorySegment out, int id, long address, int count) {
        int size = SIZE + count;
        Header.request(out, id, Command.DMA_WRITE, size, false);
        Wire.putU64(out, OFF_ADDRESS, address);
        Wire.putU32(out, OFF_COUNT, count);
        return size;
    }

    /**
     * Checks a DMA_READ reply for a request of {@code count} bytes at {@code address}: the fields
     * echo the request and exactly count bytes follow. Returns 0 or an errno.
     */
    public static int checkReadReply(MemorySegment msg, long address, int count) {
        if (msg.byteSize() != SIZE + Integer.toUnsignedLong(count)) {
            return Errno.EINVAL;
        }
        if (Wire.u64(msg, OFF_ADDRESS) != address || Wire.u32(msg, OFF_COUNT) != count) {
            return Errno.EINVAL;
        }
        return 0;
    }

    /** Client side: decodes a DMA request's address. */
    public static long address(MemorySegment msg) {
        return Wire.u64(msg, OFF_ADDRESS);
    }

    public static long count(MemorySegment msg) {
        return Wire.u32l(msg, OFF_COUNT);
    }
}
