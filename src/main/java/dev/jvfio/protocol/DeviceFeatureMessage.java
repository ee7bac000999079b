package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;

/**
 * DEVICE_FEATURE (VU-10.1): {@code u32 argsz, u32 flags, data[]}. Flags: bits 0-15 the feature,
 * bit 16 GET, bit 17 SET, bit 18 PROBE. {@code argsz} is the most payload the client accepts back.
 * SET and PROBE replies echo the request payload; a GET reply appends the feature's data and sets
 * argsz to the payload it really carries. The feature data layouts are {@link MigrationFeature},
 * {@link DeviceStateFeature}, {@link DataSizeFeature}, {@link DmaLoggingControl} and
 * {@link DmaLoggingReport}.
 */
public final class DeviceFeatureMessage {
    /** argsz and flags. */
    public static final int PAYLOAD = 8;

    public static final int SIZE = Header.SIZE + PAYLOAD;
    /** Where the feature data starts in a message. */
    public static final int DATA = SIZE;

    public static final int FEATURE_MASK = 0xFFFF;
    public static final int GET = 1 << 16;
    public static final int SET = 1 << 17;
    public static final int PROBE = 1 << 18;
    public static final int KNOWN_FLAGS = FEATURE_MASK | GET | SET | PROBE;

    /** Feature ids (the kernel's {@code VFIO_DEVICE_FEATURE_*}; 9 is the kernel's, not the spec's). */
    public static final int MIGRATION = 1;

    public static final int MIG_DEVICE_STATE = 2;
    public static final int DMA_LOGGING_START = 6;
    public static final int DMA_LOGGING_STOP = 7;
    public static final int DMA_LOGGING_REPORT = 8;
    public static final int MIG_DATA_SIZE = 9;

    private static final int OFF_ARGSZ = Header.SIZE;
    private static final int OFF_FLAGS = Header.SIZE + 4;

    private MemorySegment msg;

    /**
     * Checks the fixed part: argsz and flags present, argsz covering them, no unknown flag bit, GET
     * and SET together only with PROBE, and at least one of the three (VU-10.1). Returns 0 or EINVAL.
     */
    public int wrap(MemorySegment msg) {
        this.msg = msg;
        if (msg.byteSize() < SIZE) {
            return Errno.EINVAL;
        }
        if (argsz() < PAYLOAD) {
            return Errno.EINVAL;
        }
        int flags = flags();
        if ((flags & ~KNOWN_FLAGS) != 0) {
            return Errno.EINVAL;
        }
        boolean both = (flags & (GET | SET)) == (GET | SET);
        if (both && !probe()) {
            return Errno.EINVAL;
        }
        return (flags & (GET | SET | PROBE)) == 0 ? Errno.EINVAL : 0;
    }

    /** The argsz field, unsigned. */
    public long argsz() {
        return Wire.u32l(msg, OFF_ARGSZ);
    }

    public int flags() {
        return Wire.u32(msg, OFF_FLAGS);
    }

    public int feature() {
        return flags() & FEATURE_MASK;
    }

    public boolean get() {
        return (flags() & GET) != 0;
    }

    public boolean set() {
        return (flags() & SET) != 0;
    }

    public boolean probe() {
        return (flags() & PROBE) != 0;
    }

    /** The bytes after argsz and flags. */
    public long dataLength() {
        return msg.byteSize() - DATA;
    }

    /** The message wrapped (feature layouts read their fields from it at {@link #DATA}). */
    public MemorySegment message() {
        return msg;
    }

    /** A request: header, argsz and flags; the caller places {@code dataLength} bytes at {@link #DATA}. */
    public static int encodeRequest(MemorySegment out, int id, int argsz, int flags, int dataLength) {
        int size = SIZE + dataLength;
        Header.request(out, id, Command.DEVICE_FEATURE, size, false);
        Wire.putU32(out, OFF_ARGSZ, argsz);
        Wire.putU32(out, OFF_FLAGS, flags);
        return size;
    }

    /**
     * A reply carrying {@code dataLength} bytes of feature data (already at {@link #DATA}); its argsz
     * is the payload it carries. Returns its size.
     */
    public static int encodeReply(MemorySegment out, int id, int flags, int dataLength) {
        int size = SIZE + dataLength;
        Header.reply(out, id, Command.DEVICE_FEATURE, size);
        Wire.putU32(out, OFF_ARGSZ, PAYLOAD + dataLength);
        Wire.putU32(out, OFF_FLAGS, flags);
        return size;
    }

    /** A reply echoing the request {@code request}'s payload (SET, PROBE); returns its size. */
    public static int encodeEcho(MemorySegment out, int id, MemorySegment request) {
        int size = (int) request.byteSize();
        MemorySegment.copy(request, Header.SIZE, out, Header.SIZE, size - Header.SIZE);
        Header.reply(out, id, Command.DEVICE_FEATURE, size);
        return size;
    }

    /** Client side: the argsz of a reply, or -1 if it is too short to have one. */
    public static long replyArgsz(MemorySegment reply) {
        return reply.byteSize() < SIZE ? -1 : Wire.u32l(reply, OFF_ARGSZ);
    }
}
