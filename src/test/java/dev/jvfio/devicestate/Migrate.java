package dev.jvfio.devicestate;

import dev.jvfio.device.DeviceMigration;
import dev.jvfio.device.MigrationState;
import dev.jvfio.device.VfioException;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Drives a {@link DeviceMigration} in-process the way a VMM does over the socket: one arc at a time
 * (the arcs the server would walk), the stream read and written in pieces of a client's size.
 */
public final class Migrate {
    /** The size of QEMU's and the Java client's MIG_DATA reads and writes (max_data_xfer_size). */
    public static final int PIECE = 1 << 20;

    private Migrate() {}

    /** Source RUNNING -> STOP -> STOP_COPY, the whole stream, then STOP_COPY -> STOP; the device stays stopped. */
    public static byte[] stopAndCopy(DeviceMigration source) throws VfioException {
        source.transition(MigrationState.RUNNING, MigrationState.STOP);
        source.transition(MigrationState.STOP, MigrationState.STOP_COPY);
        byte[] stream = readToEnd(source, PIECE);
        source.transition(MigrationState.STOP_COPY, MigrationState.STOP);
        return stream;
    }

    /** Source RUNNING -> PRE_COPY and the pre-copy pass (reads until one returns 0). */
    public static byte[] preCopy(DeviceMigration source) throws VfioException {
        source.transition(MigrationState.RUNNING, MigrationState.PRE_COPY);
        return readUntilEmpty(source, PIECE);
    }

    /** PRE_COPY -> STOP_COPY, the rest of the stream, STOP_COPY -> STOP. */
    public static byte[] finishStopCopy(DeviceMigration source) throws VfioException {
        source.transition(MigrationState.PRE_COPY, MigrationState.STOP_COPY);
        byte[] stream = readToEnd(source, PIECE);
        source.transition(MigrationState.STOP_COPY, MigrationState.STOP);
        return stream;
    }

    /** Destination RUNNING -> STOP -> RESUMING, the stream, RESUMING -> STOP (throws if refused). Stays stopped. */
    public static void load(DeviceMigration destination, byte[] stream) throws VfioException {
        destination.transition(MigrationState.RUNNING, MigrationState.STOP);
        destination.transition(MigrationState.STOP, MigrationState.RESUMING);
        write(destination, stream, PIECE);
        destination.transition(MigrationState.RESUMING, MigrationState.STOP);
    }

    /** {@link #load}, then STOP -> RUNNING. */
    public static void resume(DeviceMigration destination, byte[] stream) throws VfioException {
        load(destination, stream);
        destination.transition(MigrationState.STOP, MigrationState.RUNNING);
    }

    /** Reads in pieces until a short read (STOP_COPY's end); checks that reads stay empty after it. */
    public static byte[] readToEnd(DeviceMigration m, int piece) throws VfioException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(piece, 4096);
            while (true) {
                long n = m.read(buf);
                out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
                if (n < piece) {
                    break;
                }
            }
            if (m.read(buf) != 0) {
                throw new AssertionError("a read after the end of the stream returned data");
            }
        }
        return out.toByteArray();
    }

    /** Reads in pieces until a read returns 0 (PRE_COPY: nothing more for now). */
    public static byte[] readUntilEmpty(DeviceMigration m, int piece) throws VfioException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(piece, 4096);
            long n;
            while ((n = m.read(buf)) > 0) {
                out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
            }
        }
        return out.toByteArray();
    }

    /** Writes the stream in pieces. */
    public static void write(DeviceMigration m, byte[] stream, int piece) throws VfioException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, piece), 4096);
            for (int at = 0; at < stream.length; at += piece) {
                int n = Math.min(piece, stream.length - at);
                MemorySegment.copy(stream, at, buf, ValueLayout.JAVA_BYTE, 0, n);
                m.write(buf.asSlice(0, n));
            }
        }
    }

    /** a then b. */
    public static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
