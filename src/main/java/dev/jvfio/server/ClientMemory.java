package dev.jvfio.server;

import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;

/**
 * The client's memory as the device reaches it: the {@link DmaSpace} a session attaches its device
 * to. Windows that came with an fd are copied through their mapping under the {@link DmaTable}'s
 * read lock, so an unmap waits for the copy and no byte moves after it (VU-6.2). Windows without
 * an fd are reached by DMA_READ/WRITE messages ({@link MessageDma}, VU-6.3, VU-8.4), outside that
 * lock. Device work a request starts waits for the request's reply through the session's
 * {@link ReplyGate} (VU-8.5). One access may span adjacent windows; a fault names the first
 * address it could not reach ({@link DmaFaults}).
 */
final class ClientMemory implements DmaSpace {
    private final DmaTable table;
    private final ReplyGate gate;
    private final ServerMetrics metrics;
    private volatile MessageDma messages;

    ClientMemory(DmaTable table, ReplyGate gate, ServerMetrics metrics) {
        this.table = table;
        this.gate = gate;
        this.metrics = metrics;
    }

    /** Windows without an fd are served through {@code m} from now on (set once VERSION is done). */
    void messages(MessageDma m) {
        messages = m;
    }

    /** A reply from the client: true if it answered a DMA_READ/WRITE of ours. */
    boolean acceptReply(MemorySegment reply) {
        MessageDma m = messages;
        return m != null && m.accept(reply);
    }

    /** The client went away: a device thread waiting for a message reply gives up now. */
    void closeMessages() {
        MessageDma m = messages;
        if (m != null) {
            m.close();
        }
    }

    @Override
    public void read(long iova, MemorySegment dst) throws VfioException {
        transfer(iova, dst, false);
    }

    @Override
    public void write(long iova, MemorySegment src) throws VfioException {
        transfer(iova, src, true);
    }

    @Override
    public void afterReply(Runnable signal) {
        gate.afterReply(signal);
    }

    @Override
    public void awaitReplySent() throws InterruptedException {
        gate.awaitReplySent();
    }

    /**
     * Moves {@code data} to ({@code write}) or from client memory at {@code iova}, window by window;
     * fd-backed windows under the table's read lock, the others by messages outside it: the client
     * answers those, and an unmap it sends meanwhile must not wait for its own answer.
     */
    private void transfer(long iova, MemorySegment data, boolean write) throws VfioException {
        long n = data.byteSize();
        long done = 0;
        while (done < n) {
            long at = iova + done;
            if (done > 0 && Long.compareUnsigned(at, iova) < 0) {
                throw DmaFaults.wraps(at);
            }
            long take;
            table.readLock().lock();
            try {
                DmaWindow w = window(at, write);
                take = Math.min(n - done, w.size() - (at - w.iova()));
                if (w.memory() != null) {
                    DmaFaults.copy(w, at, data, done, take, write);
                    done += take;
                    continue;
                }
            } finally {
                table.readLock().unlock();
            }
            throughMessages(at, data.asSlice(done, take), write);
            done += take;
        }
        if (write) {
            metrics.dmaWritten(n);
        } else {
            metrics.dmaRead(n);
        }
    }

    /** The window holding {@code at} that allows the access; call under the table's read lock. */
    private DmaWindow window(long at, boolean write) throws VfioException {
        if (table.closed()) {
            throw DmaFaults.noClient(at);
        }
        DmaWindow w = table.at(at);
        if (w == null) {
            throw DmaFaults.notMapped(at);
        }
        if (!w.allows(write)) {
            throw DmaFaults.notAllowed(w, at, write);
        }
        return w;
    }

    private void throughMessages(long at, MemorySegment chunk, boolean write) throws VfioException {
        if (gate.servingOnThisThread()) {
            throw DmaFaults.messageWhileServing(at);
        }
        MessageDma m = messages;
        if (m == null) {
            throw DmaFaults.noMessageChannel(at);
        }
        if (write) {
            m.write(at, chunk);
        } else {
            m.read(at, chunk);
        }
    }
}
