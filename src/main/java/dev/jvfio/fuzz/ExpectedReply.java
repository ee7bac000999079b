package dev.jvfio.fuzz;

import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.Wire;
import java.lang.foreign.MemorySegment;

/**
 * What the sender of one fuzzed message expects back, and the check of the reply the server sent:
 * a reply type, the echoed id and command, header-only error replies with an errno, no fds but on
 * region info, the payload size of its command (VU-2.2, VU-2.3, VU-5.2, VU-8.7, VU-10.1, VU-10.9).
 *
 * @param requested the request's count (REGION_READ), size (MIG_DATA_READ) or feature flags
 *                  (DEVICE_FEATURE), as the reply's check needs it; -1 otherwise
 */
record ExpectedReply(int id, int command, boolean wantsReply, int requested, int flags, int length) {
    /** The request field {@link #requested} stands for, read from the whole request message. */
    static int requested(byte[] m) {
        MemorySegment s = MemorySegment.ofArray(m);
        return switch (Wire.u16(s, 2)) {
            case Command.REGION_READ -> m.length >= 32 ? Wire.u32(s, 28) : -1;
            case Command.DEVICE_FEATURE, Command.MIG_DATA_READ -> m.length >= 24 ? Wire.u32(s, 20) : -1;
            default -> -1;
        };
    }

    /** Null if reply (which carried fds fds) is a well-formed answer to this request, else what is wrong. */
    String problemWith(MemorySegment reply, int fds) {
        long size = reply.byteSize();
        int flags = Header.flags(reply);
        if (Header.type(reply) != Header.TYPE_REPLY || (flags & ~(Header.TYPE_MASK | Header.FLAG_ERROR)) != 0) {
            return "not a reply: " + Header.describe(reply);
        }
        if (Header.id(reply) != id || Header.command(reply) != command) {
            return "reply out of order or to the wrong request: " + Header.describe(reply);
        }
        if (Header.isError(reply)) {
            int errno = Header.error(reply);
            if (size != Header.SIZE || errno <= 0 || errno > 4095 || fds != 0) {
                return "malformed error reply: " + Header.describe(reply) + " fds " + fds;
            }
            return null;
        }
        if (fds > (command == Command.DEVICE_GET_REGION_INFO ? 1 : 0)) {
            return fds + " fds on a " + Command.name(command) + " reply";
        }
        long want = switch (command) {
            case Command.DEVICE_GET_INFO,
                    Command.DEVICE_GET_IRQ_INFO,
                    Command.DEVICE_GET_REGION_IO_FDS,
                    Command.REGION_WRITE -> 32;
            case Command.REGION_WRITE_MULTI -> 24; // u64 wr_cnt
            case Command.DMA_MAP, Command.DEVICE_SET_IRQS, Command.DEVICE_RESET, Command.MIG_DATA_WRITE -> 16;
            case Command.DEVICE_FEATURE ->
                (requested & (1 << 16)) != 0 && (requested & (1 << 18)) == 0
                        ? (size >= 24
                                ? 16 + Integer.toUnsignedLong(Wire.u32(reply, 16))
                                : 24) // GET: argsz is the payload
                        : length; // SET and PROBE echo the request
            case Command.MIG_DATA_READ -> size >= 24 ? 24 + Integer.toUnsignedLong(Wire.u32(reply, 20)) : 24;
            case Command.DMA_UNMAP -> 40;
            case Command.REGION_READ -> size >= 32 ? 32 + Integer.toUnsignedLong(Wire.u32(reply, 28)) : 32;
            case Command.DEVICE_GET_REGION_INFO -> size >= 48 ? size : 48;
            default -> -1; // everything else must have failed
        };
        if (want < 0) {
            return "success reply to " + Command.name(command) + ", which must fail";
        }
        if (size != want) {
            return "reply of " + size + " bytes, expected " + want + ": " + Header.describe(reply);
        }
        if (command == Command.REGION_READ
                && Integer.toUnsignedLong(Wire.u32(reply, 28)) != Integer.toUnsignedLong(requested)) {
            return "REGION_READ reply count differs from the request (VU-5.2, VU-8.7)";
        }
        if (command == Command.MIG_DATA_READ
                && (Integer.toUnsignedLong(Wire.u32(reply, 20)) > Integer.toUnsignedLong(requested)
                        || Wire.u32(reply, 16) != 8 + Wire.u32(reply, 20))) {
            return "MIG_DATA_READ reply larger than asked or with a wrong argsz (VU-10.9)";
        }
        return null;
    }
}
