package dev.jvfio.server;

import dev.jvfio.client.RawMessage;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DeviceFeatureMessage;
import dev.jvfio.protocol.Header;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Hand-built DEVICE_FEATURE and MIG_DATA messages (VU-10) for tests that must send what the Java
 * client never would: any argsz, any flags, any data.
 */
public final class MigrationMessages {
    private MigrationMessages() {}

    public static final int GET = DeviceFeatureMessage.GET;
    public static final int SET = DeviceFeatureMessage.SET;
    public static final int PROBE = DeviceFeatureMessage.PROBE;

    /** A DEVICE_FEATURE request with these fields and data. */
    public static byte[] feature(int id, long argsz, int flags, byte[] data) {
        ByteBuffer b = le(Header.SIZE + 8 + data.length);
        b.putShort((short) id)
                .putShort((short) Command.DEVICE_FEATURE)
                .putInt(Header.SIZE + 8 + data.length)
                .putInt(Header.TYPE_COMMAND)
                .putInt(0)
                .putInt((int) argsz)
                .putInt(flags)
                .put(data);
        return b.array();
    }

    /** A DEVICE_FEATURE request whose argsz covers exactly its own payload. */
    public static byte[] feature(int id, int flags, byte[] data) {
        return feature(id, 8 + data.length, flags, data);
    }

    /** The data of MIG_DEVICE_STATE: state and data_fd. */
    public static byte[] state(int state) {
        return le(8).putInt(state).putInt(-1).array();
    }

    /** The data of DMA_LOGGING_START: page size and ranges as iova, length pairs. */
    public static byte[] loggingStart(long pageSize, long... iovaLength) {
        ByteBuffer b = le(16 + 8 * iovaLength.length)
                .putLong(pageSize)
                .putInt(iovaLength.length / 2)
                .putInt(0);
        for (long v : iovaLength) {
            b.putLong(v);
        }
        return b.array();
    }

    /** The data of a DMA_LOGGING_REPORT request. */
    public static byte[] report(long iova, long length, long pageSize) {
        return le(24).putLong(iova).putLong(length).putLong(pageSize).array();
    }

    /** A MIG_DATA_READ (write false) or MIG_DATA_WRITE request with these fields and data. */
    public static byte[] migData(int id, boolean write, long argsz, long size, byte[] data) {
        int command = write ? Command.MIG_DATA_WRITE : Command.MIG_DATA_READ;
        ByteBuffer b = le(Header.SIZE + 8 + data.length);
        b.putShort((short) id)
                .putShort((short) command)
                .putInt(Header.SIZE + 8 + data.length)
                .putInt(Header.TYPE_COMMAND)
                .putInt(0)
                .putInt((int) argsz)
                .putInt((int) size)
                .put(data);
        return b.array();
    }

    /** Sends a message and returns the reply. */
    public static RawMessage call(VfioUserClient c, byte[] message) throws IOException {
        c.sendRaw(message);
        return c.receiveRaw();
    }

    /** The errno of a reply, 0 for success. */
    public static int errno(RawMessage r) {
        return r.isError() ? r.error() : 0;
    }

    /** A u32 of a reply's payload. */
    public static int u32(RawMessage r, int offset) {
        return ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN).getInt(offset);
    }

    /** A u64 of a reply's payload. */
    public static long u64(RawMessage r, int offset) {
        return ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
