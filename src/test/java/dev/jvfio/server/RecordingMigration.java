package dev.jvfio.server;

import dev.jvfio.device.DeviceMigration;
import dev.jvfio.device.Errno;
import dev.jvfio.device.MigrationArcs;
import dev.jvfio.device.MigrationState;
import dev.jvfio.device.VfioException;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A test device's side of migration: it records every call the server makes, and streams a state
 * of its own, so that the server's protocol half is tested without any real device's stream.
 *
 * <p>The stream: "FAKE", u32 length, the state's bytes, u32 CRC-32 of them. PRE_COPY hands out the
 * first {@link #preCopyBytes} of it (then 0-byte reads: "nothing more for now"), STOP_COPY the rest
 * (then a short read and 0-byte reads: the end). RESUMING collects what is written; RESUMING to STOP
 * applies it whole, or refuses it with EINVAL (foreign, truncated or corrupt) and applies nothing.
 * One arc can be made to fail ({@link #failArc}).
 */
public final class RecordingMigration implements DeviceMigration {
    private static final int MAGIC = 0x454B_4146; // "FAKE" little-endian

    private final boolean preCopy;
    private final List<String> calls = new ArrayList<>();
    private byte[] state;
    private int preCopyBytes;
    private byte[] stream;
    private int position;
    private int limit;
    private ByteArrayOutputStream incoming;
    private byte[] applied;
    private String failingArc;
    private int failErrno;
    private boolean running = true;
    private int abandons;

    public RecordingMigration(boolean preCopy, byte[] state) {
        this.preCopy = preCopy;
        this.state = state.clone();
        this.preCopyBytes = Math.min(64, stream(state).length);
    }

    /** The whole stream of {@code state}. */
    public static byte[] stream(byte[] state) {
        CRC32 crc = new CRC32();
        crc.update(state);
        return ByteBuffer.allocate(12 + state.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(MAGIC)
                .putInt(state.length)
                .put(state)
                .putInt((int) crc.getValue())
                .array();
    }

    public synchronized RecordingMigration preCopyBytes(int n) {
        this.preCopyBytes = n;
        return this;
    }

    /** The arc {@code from -> to} fails with {@code errno} from now on. */
    public synchronized RecordingMigration failArc(MigrationState from, MigrationState to, int errno) {
        this.failingArc = from + "->" + to;
        this.failErrno = errno;
        return this;
    }

    @Override
    public boolean preCopy() {
        return preCopy;
    }

    @Override
    public synchronized void transition(MigrationState from, MigrationState to) throws VfioException {
        String arc = from + "->" + to;
        calls.add(arc);
        if (!MigrationArcs.direct(from, to)) {
            throw new AssertionError("the server asked for an arc that is not direct: " + arc);
        }
        if (arc.equals(failingArc)) {
            throw new VfioException(failErrno, "arc " + arc + " fails on purpose");
        }
        switch (to) {
            case PRE_COPY -> {
                stream = stream(state);
                position = 0;
                limit = Math.min(preCopyBytes, stream.length);
            }
            case STOP_COPY -> {
                if (from == MigrationState.STOP) {
                    stream = stream(state);
                    position = 0;
                }
                limit = stream.length;
            }
            case RESUMING -> incoming = new ByteArrayOutputStream();
            case STOP -> {
                if (from == MigrationState.RESUMING) {
                    apply(incoming.toByteArray());
                }
                stream = null;
                incoming = null;
            }
            case RUNNING -> stream = null;
            default -> throw new AssertionError("arc to " + to);
        }
        running = to == MigrationState.RUNNING || to == MigrationState.PRE_COPY;
    }

    private void apply(byte[] s) throws VfioException {
        ByteBuffer b = ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN);
        if (s.length < 12 || b.getInt(0) != MAGIC) {
            throw VfioException.invalid("not a FAKE stream (" + s.length + " bytes)");
        }
        int length = b.getInt(4);
        if (length < 0 || s.length != 12 + length) {
            throw VfioException.invalid("FAKE stream of " + s.length + " bytes announces " + length);
        }
        CRC32 crc = new CRC32();
        crc.update(s, 8, length);
        if ((int) crc.getValue() != b.getInt(8 + length)) {
            throw VfioException.invalid("FAKE stream checksum mismatch");
        }
        byte[] st = new byte[length];
        System.arraycopy(s, 8, st, 0, length);
        state = st;
        applied = st;
    }

    @Override
    public synchronized long read(MemorySegment dst) throws VfioException {
        calls.add("read " + dst.byteSize());
        if (stream == null) {
            throw new AssertionError("read without a saving stream");
        }
        int n = (int) Math.min(dst.byteSize(), limit - position);
        MemorySegment.copy(stream, position, dst, ValueLayout.JAVA_BYTE, 0, n);
        position += n;
        return n;
    }

    @Override
    public synchronized void write(MemorySegment src) throws VfioException {
        calls.add("write " + src.byteSize());
        if (incoming == null) {
            throw new AssertionError("write without an incoming stream");
        }
        incoming.writeBytes(src.toArray(ValueLayout.JAVA_BYTE));
    }

    @Override
    public synchronized long stopCopyLength() {
        return stream == null ? stream(state).length : stream.length - position;
    }

    @Override
    public synchronized void abandon() {
        calls.add("abandon");
        abandons++;
        stream = null;
        incoming = null;
        running = true;
    }

    /** Every call so far: arcs as "FROM->TO", "read N", "write N", "abandon". */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** Arcs only. */
    public synchronized List<String> arcs() {
        return calls.stream().filter(c -> c.contains("->")).toList();
    }

    public synchronized void clearCalls() {
        calls.clear();
    }

    public synchronized byte[] state() {
        return state.clone();
    }

    public synchronized void state(byte[] s) {
        state = s.clone();
    }

    /** The state last applied by RESUMING -> STOP, or null. */
    public synchronized byte[] applied() {
        return applied == null ? null : applied.clone();
    }

    public synchronized boolean running() {
        return running;
    }

    public synchronized int abandons() {
        return abandons;
    }

    /** Whether a stream (saving or incoming) is held. */
    public synchronized boolean holdsStream() {
        return stream != null || incoming != null;
    }

    /** Errno of a failing arc, for messages. */
    public synchronized int failErrno() {
        return failErrno == 0 ? Errno.EIO : failErrno;
    }
}
