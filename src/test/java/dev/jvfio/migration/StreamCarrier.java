package dev.jvfio.migration;

import dev.jvfio.client.ClientMigration;
import dev.jvfio.client.VfioUserClient;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The VMM's part of a device's migration stream: it reads the source's stream (MIG_DATA_READ) and
 * writes each piece, as it came, to the destination (MIG_DATA_WRITE). It never looks inside.
 */
final class StreamCarrier implements AutoCloseable {
    private final ClientMigration source;
    private final ClientMigration destination;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer;
    private long carried;

    StreamCarrier(VfioUserClient source, VfioUserClient destination) {
        this.source = source.migration();
        this.destination = destination.migration();
        this.buffer = arena.allocate(Math.min(source.maxTransfer(), destination.maxTransfer()), 4096);
    }

    /** One piece: returns its size (less than {@link #piece()} ends a STOP_COPY stream; 0 in PRE_COPY: nothing more for now). */
    int carry() throws Exception {
        int n = source.read(buffer);
        if (n > 0) {
            destination.write(buffer.asSlice(0, n));
            carried += n;
        }
        return n;
    }

    /** PRE_COPY: pieces until the source says it has nothing more for now (a 0-byte read). */
    long carryUntilEmpty() throws Exception {
        long total = 0;
        for (int n; (n = carry()) > 0; ) {
            total += n;
        }
        return total;
    }

    /** STOP_COPY: pieces until a short read, the end of the stream. */
    long carryToEnd() throws Exception {
        long total = 0;
        for (int n = piece(); n == piece(); ) {
            n = carry();
            total += n;
        }
        return total;
    }

    int piece() {
        return (int) buffer.byteSize();
    }

    /** Every byte carried so far. */
    long carried() {
        return carried;
    }

    @Override
    public void close() {
        arena.close();
    }
}
