package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;

/**
 * REGION_WRITE_MULTI (command 15): {@code u64 wr_cnt} then wr_cnt entries of
 * {@code u64 offset, u32 region, u32 count, u8 data[8]} (24 bytes each, at most 200). QEMU
 * 10.2 coalesces small posted writes into it when the server announced write_multiple
 * (proxy.c vfio_user_add_multi) and always sends it with the no-reply flag; a client that asks
 * for a reply gets {@code u64 wr_cnt}, the writes done (vfio-user.rst).
 */
public final class WriteMultiMessage {
    public static final int ENTRY = 24;
    public static final int MAX_ENTRIES = 200;
    public static final int ENTRY_DATA = 8;
    private static final int OFF_COUNT = Header.SIZE;
    private static final int OFF_ENTRIES = Header.SIZE + 8;

    private MemorySegment msg;

    /** Checks the whole message: entry count, exact size, every entry's count <= 8. */
    public int wrap(MemorySegment msg) {
        this.msg = msg;
        if (msg.byteSize() < OFF_ENTRIES) {
            return Errno.EINVAL;
        }
        long n = Wire.u64(msg, OFF_COUNT);
        if (n < 0 || n > MAX_ENTRIES) {
            return Errno.E2BIG;
        }
        if (msg.byteSize() != OFF_ENTRIES + n * ENTRY) {
            return Errno.EINVAL;
        }
        for (int i = 0; i < n; i++) {
            long c = count(i);
            if (c > ENTRY_DATA) {
                return Errno.EINVAL;
            }
            if (offset(i) < 0 || offset(i) + c < 0) {
                return Errno.EOVERFLOW;
            }
        }
        return 0;
    }

    public int entries() {
        return (int) Wire.u64(msg, OFF_COUNT);
    }

    public long offset(int i) {
        return Wire.u64(msg, OFF_ENTRIES + (long) i * ENTRY);
    }

    public long region(int i) {
        return Wire.u32l(msg, OFF_ENTRIES + (long) i * ENTRY + 8);
    }

    public long count(int i) {
        return Wire.u32l(msg, OFF_ENTRIES + (long) i * ENTRY + 12);
    }

    public MemorySegment data(int i) {
        return msg.asSlice(OFF_ENTRIES + (long) i * ENTRY + 16, count(i));
    }

    /** The reply: {@code u64 wr_cnt}, the number of writes completed; returns its size. */
    public static int encodeReply(MemorySegment out, int id, long completed) {
        Header.reply(out, id, Command.REGION_WRITE_MULTI, OFF_ENTRIES);
        Wire.putU64(out, OFF_COUNT, completed);
        return OFF_ENTRIES;
    }

    /** Starts a request with no entries; returns its size. */
    public static int begin(MemorySegment out, int id, boolean posted) {
        Header.request(out, id, Command.REGION_WRITE_MULTI, OFF_ENTRIES, posted);
        Wire.putU64(out, OFF_COUNT, 0);
        return OFF_ENTRIES;
    }

    /** Appends an entry (count <= 8) to a request built with {@link #begin}; returns the new size. */
    public static int add(MemorySegment out, long offset, int region, MemorySegment data) {
        long n = Wire.u64(out, OFF_COUNT);
        if (n >= MAX_ENTRIES || data.byteSize() > ENTRY_DATA) {
            throw new IllegalArgumentException("WRITE_MULTI full or entry too large");
        }
        long at = OFF_ENTRIES + n * ENTRY;
        Wire.putU64(out, at, offset);
        Wire.putU32(out, at + 8, region);
        Wire.putU32(out, at + 12, (int) data.byteSize());
        out.asSlice(at + 16, ENTRY_DATA).fill((byte) 0);
        MemorySegment.copy(data, 0, out, at + 16, data.byteSize());
        Wire.putU64(out, OFF_COUNT, n + 1);
        int size = (int) (at + ENTRY);
        Wire.putU32(out, Header.OFF_SIZE, size);
        return size;
    }
}
