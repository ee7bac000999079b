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
 * address it could not reach ({@link DmaFaults}). While DMA logging is on, every write is marked in
 * the session's {@link DirtyLog} once its bytes moved, whichever way they went (VU-10.13).
 */
final class ClientMemory implements DmaSpace {
    private final DmaTable table;
    private final ReplyGate gate;
    private final ServerMetrics metrics;
    private volatile MessageDma messages;
    /** Where writes are marked while DMA logging is on; null while it is off. */
    private volatile DirtyLog dirty;

    ClientMemory(DmaTable table, ReplyGate gate, ServerMetrics metrics) {
        this.table = table;
        this.gate = gate;
        this.metrics = metrics;
    }

    /** Windows without an fd are served through {@code m} from now on (set once VERSION is done). */
    void messages(MessageDma m) {
        messages = m;
    }

    /** Starts ({@code log}) or stops (null) marking the device's writes. */
    void dirtyLog(DirtyLog log) {
        dirty = log;
    }

    /** The log writes are marked in, or null while DMA logging is off. */
    DirtyLog dirtyLog() {
        return dirty;
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

    /** Waits until the session is not serving a request (what a worker woken from another thread sees). */
    void awaitReplySent() throws InterruptedException {
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
                    try {
                        DmaFaults.copy(w, at, data, done, take, write);
                    } finally {
                        logged(at, take, write); // a copy that faulted may have moved some bytes
                    }
                    done += take;
                    continue;
                }
            } finally {
                table.readLock().unlock();
            }
            try {
                throughMessages(at, data.asSlice(done, take), write);
            } finally {
                logged(at, take, write);
            }
            done += take;
        }
        if (write) {
            metrics.dmaWritten(n);
        } else {
            metrics.dmaRead(n);
        }
    }

    /** Marks a write of {@code n} bytes at {@code at} in the dirty log, if logging is on (VU-10.13). */
    private void logged(long at, long n, boolean write) {
        DirtyLog log = dirty;
        if (write && log != null && n > 0) {
            log.mark(at, n);
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
