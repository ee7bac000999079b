package dev.jvfio.bench;

import dev.jvfio.client.RawMessage;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.os.Fd;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.Wire;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The few migration v2 messages the migration rows send (VU-10): SET MIG_DEVICE_STATE (feature 2
 * of DEVICE_FEATURE, 16), MIG_DATA_READ (17) and MIG_DATA_WRITE (18), built by hand on a client's
 * raw channel. Each call sends one request and waits for its reply; an error reply is an
 * IOException naming the errno.
 */
final class MigrationCalls implements AutoCloseable {
    static final int DEVICE_FEATURE = 16;
    static final int MIG_DATA_READ = 17;
    static final int MIG_DATA_WRITE = 18;
    static final int MIG_DEVICE_STATE = 2;
    static final int FEATURE_SET = 1 << 17;
    static final int STOP = 1;
    static final int RUNNING = 2;
    static final int STOP_COPY = 3;
    static final int RESUMING = 4;
    static final int PRE_COPY = 6;

    private final VfioUserClient client;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment out;
    private final int chunk;

    MigrationCalls(VfioUserClient client) {
        this.client = client;
        this.chunk = (int) Math.min(client.maxTransfer(), BenchOptions.MIB);
        this.out = arena.allocate(Header.SIZE + 8 + chunk, 8);
    }

    /** The largest MIG_DATA read or write these calls make. */
    int chunk() {
        return chunk;
    }

    /** SET MIG_DEVICE_STATE; the server walks the state machine to {@code state} before it answers. */
    void setState(int state) throws IOException {
        int id = client.nextMessageId();
        int size = Header.SIZE + 16;
        Header.request(out, id, DEVICE_FEATURE, size, false);
        Wire.putU32(out, Header.SIZE, 16);
        Wire.putU32(out, Header.SIZE + 4, MIG_DEVICE_STATE | FEATURE_SET);
        Wire.putU32(out, Header.SIZE + 8, state);
        Wire.putU32(out, Header.SIZE + 12, -1);
        call(id, size, "MIG_DEVICE_STATE " + state);
    }

    /** MIG_DATA_READ of up to {@link #chunk()} bytes; the data goes to dst; returns how many came. */
    int read(MemorySegment dst) throws IOException {
        int want = (int) Math.min(dst.byteSize(), chunk);
        int id = client.nextMessageId();
        Header.request(out, id, MIG_DATA_READ, Header.SIZE + 8, false);
        Wire.putU32(out, Header.SIZE, 8 + want);
        Wire.putU32(out, Header.SIZE + 4, want);
        RawMessage r = call(id, Header.SIZE + 8, "MIG_DATA_READ");
        byte[] p = r.payload();
        int got = p.length < 8 ? -1 : (int) Wire.u32l(MemorySegment.ofArray(p), 4);
        if (got < 0 || got > want || p.length != 8 + got) {
            throw new IOException("malformed MIG_DATA_READ reply of " + p.length + " bytes");
        }
        MemorySegment.copy(MemorySegment.ofArray(p), 8, dst, 0, got);
        return got;
    }

    /** MIG_DATA_WRITE of src (at most {@link #chunk()} bytes). */
    void write(MemorySegment src) throws IOException {
        int n = (int) src.byteSize();
        int id = client.nextMessageId();
        Header.request(out, id, MIG_DATA_WRITE, Header.SIZE + 8 + n, false);
        Wire.putU32(out, Header.SIZE, 8 + n);
        Wire.putU32(out, Header.SIZE + 4, n);
        MemorySegment.copy(src, 0, out, Header.SIZE + 8, n);
        call(id, Header.SIZE + 8 + n, "MIG_DATA_WRITE");
    }

    private RawMessage call(int id, int size, String what) throws IOException {
        client.sendRaw(out.asSlice(0, size), List.of());
        RawMessage r = client.receiveRaw();
        r.fds().forEach(Fd::close);
        if (r.id() != id || !r.isReply()) {
            throw new IOException(
                    what + ": the answer is not its reply (id " + r.id() + ", command " + r.command() + ")");
        }
        if (r.isError()) {
            throw new IOException(what + " refused with errno " + r.error());
        }
        return r;
    }

    @Override
    public void close() {
        arena.close();
    }
}
