package dev.jvfio.protocol;

import java.lang.foreign.MemorySegment;

/**
 * The 16-byte header in front of every message (VU-2.1): {@code u16 msg_id, u16 command,
 * u32 size (whole message), u32 flags, u32 error}. Static accessors over a segment that starts at
 * the header, so reading a header allocates nothing.
 */
public final class Header {
    private Header() {}

    public static final int SIZE = 16;

    static final int OFF_ID = 0;
    static final int OFF_COMMAND = 2;
    static final int OFF_SIZE = 4;
    static final int OFF_FLAGS = 8;
    static final int OFF_ERROR = 12;

    public static final int TYPE_MASK = 0xF;
    public static final int TYPE_COMMAND = 0x0;
    public static final int TYPE_REPLY = 0x1;
    public static final int FLAG_NO_REPLY = 0x10;
    public static final int FLAG_ERROR = 0x20;
    /** Every flag bit the protocol defines; anything else is reserved. */
    public static final int KNOWN_FLAGS = TYPE_MASK | FLAG_NO_REPLY | FLAG_ERROR;

    public static int id(MemorySegment m) {
        return Wire.u16(m, OFF_ID);
    }

    public static int command(MemorySegment m) {
        return Wire.u16(m, OFF_COMMAND);
    }

    /** The size field as an unsigned value (it may be hostile: up to 4 GiB). */
    public static long size(MemorySegment m) {
        return Wire.u32l(m, OFF_SIZE);
    }

    public static int flags(MemorySegment m) {
        return Wire.u32(m, OFF_FLAGS);
    }

    public static int error(MemorySegment m) {
        return Wire.u32(m, OFF_ERROR);
    }

    public static int type(MemorySegment m) {
        return flags(m) & TYPE_MASK;
    }

    public static boolean isReply(MemorySegment m) {
        return type(m) == TYPE_REPLY;
    }

    public static boolean noReply(MemorySegment m) {
        return (flags(m) & FLAG_NO_REPLY) != 0;
    }

    public static boolean isError(MemorySegment m) {
        return (flags(m) & FLAG_ERROR) != 0;
    }

    public static void write(MemorySegment m, int id, int command, int size, int flags, int error) {
        Wire.putU16(m, OFF_ID, id);
        Wire.putU16(m, OFF_COMMAND, command);
        Wire.putU32(m, OFF_SIZE, size);
        Wire.putU32(m, OFF_FLAGS, flags);
        Wire.putU32(m, OFF_ERROR, error);
    }

    /** A request header (type command, no error). */
    public static void request(MemorySegment m, int id, int command, int size, boolean noReply) {
        write(m, id, command, size, TYPE_COMMAND | (noReply ? FLAG_NO_REPLY : 0), 0);
    }

    /** A successful reply header echoing id and command (VU-2.2). */
    public static void reply(MemorySegment m, int id, int command, int size) {
        write(m, id, command, size, TYPE_REPLY, 0);
    }

    /**
     * Encodes a header-only error reply (VU-2.2) and returns its size (16).
     */
    public static int errorReply(MemorySegment m, int id, int command, int errno) {
        write(m, id, command, SIZE, TYPE_REPLY | FLAG_ERROR, errno);
        return SIZE;
    }

    public static String describe(MemorySegment m) {
        return "id=" + id(m) + " " + Command.name(command(m)) + " size=" + size(m) + " flags=0x"
                + Integer.toHexString(flags(m)) + " error=" + error(m);
    }
}
