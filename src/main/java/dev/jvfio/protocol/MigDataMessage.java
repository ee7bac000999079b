package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;

/**
 * MIG_DATA_READ and MIG_DATA_WRITE (VU-10.9, VU-10.10): {@code u32 argsz, u32 size}, then
 * {@code size} bytes of the device's migration stream in a write request and in a read reply. A
 * read request is the two fields alone; a write reply is the header alone. argsz is the most
 * payload the client accepts back, and must cover the fields and the data.
 */
public final class MigDataMessage {
    public static final int PAYLOAD = 8;
    public static final int SIZE = Header.SIZE + PAYLOAD;
    /** Where the data starts in a message. */
    public static final int DATA = SIZE;

    private static final int OFF_ARGSZ = Header.SIZE;
    private static final int OFF_SIZE = Header.SIZE + 4;

    private MemorySegment msg;

    /**
     * Checks a READ request ({@code write} false: exactly the two fields) or a WRITE request (the
     * fields and exactly {@code size} bytes): EINVAL for another length; E2BIG for a size above
     * {@code maxXfer}; EINVAL for an argsz that does not cover the fields and the data. Returns 0
     * or an errno.
     */
    public int wrap(MemorySegment msg, boolean write, long maxXfer) {
        this.msg = msg;
        if (msg.byteSize() < SIZE || (!write && msg.byteSize() != SIZE)) {
            return Errno.EINVAL;
        }
        long size = size();
        if (size > maxXfer) {
            return Errno.E2BIG;
        }
        if (write && msg.byteSize() != SIZE + size) {
            return Errno.EINVAL;
        }
        return argsz() < PAYLOAD + size ? Errno.EINVAL : 0;
    }

    public long argsz() {
        return Wire.u32l(msg, OFF_ARGSZ);
    }

    /** The size field, unsigned. */
    public long size() {
        return Wire.u32l(msg, OFF_SIZE);
    }

    /** The data of a write request. */
    public MemorySegment data() {
        return msg.asSlice(DATA, size());
    }

    /** A READ request for {@code size} bytes; returns its size. */
    public static int encodeReadRequest(MemorySegment out, int id, int size) {
        Header.request(out, id, Command.MIG_DATA_READ, SIZE, false);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD + size);
        Wire.putU32(out, OFF_SIZE, size);
        return SIZE;
    }

    /** A READ reply; {@code size} bytes of data must already be at {@link #DATA}. Returns its size. */
    public static int encodeReadReply(MemorySegment out, int id, int size) {
        Header.reply(out, id, Command.MIG_DATA_READ, SIZE + size);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD + size);
        Wire.putU32(out, OFF_SIZE, size);
        return SIZE + size;
    }

    /** A WRITE request; the caller places {@code size} bytes at {@link #DATA}. Returns its size. */
    public static int encodeWriteRequest(MemorySegment out, int id, int size) {
        Header.request(out, id, Command.MIG_DATA_WRITE, SIZE + size, false);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD + size);
        Wire.putU32(out, OFF_SIZE, size);
        return SIZE + size;
    }

    /** A WRITE reply: the header alone. Returns its size. */
    public static int encodeWriteReply(MemorySegment out, int id) {
        Header.reply(out, id, Command.MIG_DATA_WRITE, Header.SIZE);
        return Header.SIZE;
    }

    /** Client side: the size field of a READ reply, or -1 if the reply is too short to have one. */
    public static long replySize(MemorySegment reply) {
        return reply.byteSize() < SIZE ? -1 : Wire.u32l(reply, OFF_SIZE);
    }

    /** Client side: the argsz field of a READ reply, or -1 if the reply is too short to have one. */
    public static long replyArgsz(MemorySegment reply) {
        return reply.byteSize() < SIZE ? -1 : Wire.u32l(reply, OFF_ARGSZ);
    }
}
