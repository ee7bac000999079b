package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;

/**
 * REGION_READ and REGION_WRITE (VU-5.1): {@code u64 offset, u32 region, u32 count}, plus
 * {@code count} data bytes for a write request and for a read reply. A write reply carries the
 * fields alone. {@code count} is bounded by the negotiated max_data_xfer_size.
 */
public final class RegionAccessMessage {
    public static final int PAYLOAD = 16;
    public static final int SIZE = Header.SIZE + PAYLOAD;
    /** Where the data starts in a message. */
    public static final int DATA = SIZE;

    private static final int OFF_OFFSET = Header.SIZE;
    private static final int OFF_REGION = Header.SIZE + 8;
    private static final int OFF_COUNT = Header.SIZE + 12;

    private MemorySegment msg;

    /**
     * Checks a READ ({@code write=false}: exactly the 16-byte struct) or WRITE request (struct
     * plus exactly count bytes). count above maxXfer is E2BIG; an offset range that wraps is
     * EOVERFLOW. Returns 0 or an errno.
     */
    public int wrap(MemorySegment msg, boolean write, long maxXfer) {
        this.msg = msg;
        if (msg.byteSize() < SIZE) {
            return Errno.EINVAL;
        }
        long count = Wire.u32l(msg, OFF_COUNT);
        if (count > maxXfer) {
            return Errno.E2BIG;
        }
        long expected = write ? SIZE + count : SIZE;
        if (msg.byteSize() != expected) {
            return Errno.EINVAL;
        }
        if (offset() < 0 || Wire.addOverflows(offset(), count) || offset() + count < 0) {
            return Errno.EOVERFLOW;
        }
        return 0;
    }

    public long offset() {
        return Wire.u64(msg, OFF_OFFSET);
    }

    public long region() {
        return Wire.u32l(msg, OFF_REGION);
    }

    public int count() {
        return Wire.u32(msg, OFF_COUNT);
    }

    /** The data of a write request. */
    public MemorySegment data() {
        return msg.asSlice(DATA, count());
    }

    /** Writes the fields of a request or reply (the caller places data at {@link #DATA}). */
    public static void putFields(MemorySegment out, long offset, int region, int count) {
        Wire.putU64(out, OFF_OFFSET, offset);
        Wire.putU32(out, OFF_REGION, region);
        Wire.putU32(out, OFF_COUNT, count);
    }

    /** Read reply: header and fields; {@code count} bytes of data must already be at DATA. */
    public static int encodeReadReply(MemorySegment out, int id, long offset, int region, int count) {
        int size = SIZE + count;
        Header.reply(out, id, Command.REGION_READ, size);
        putFields(out, offset, region, count);
        return size;
    }

    public static int encodeWriteReply(MemorySegment out, int id, long offset, int region, int count) {
        Header.reply(out, id, Command.REGION_WRITE, SIZE);
        putFields(out, offset, region, count);
        return SIZE;
    }

    public static int encodeReadRequest(MemorySegment out, int id, long offset, int region, int count) {
        Header.request(out, id, Command.REGION_READ, SIZE, false);
        putFields(out, offset, region, count);
        return SIZE;
    }

    /** Write request: header and fields; the caller places count bytes at DATA. */
    public static int encodeWriteRequest(
            MemorySegment out, int id, long offset, int region, int count, boolean posted) {
        int size = SIZE + count;
        Header.request(out, id, Command.REGION_WRITE, size, posted);
        putFields(out, offset, region, count);
        return size;
    }

    /** The count field of a reply (client side); -1 if too short. */
    public static long replyCount(MemorySegment msg) {
        return msg.byteSize() < SIZE ? -1 : Wire.u32l(msg, OFF_COUNT);
    }
}
