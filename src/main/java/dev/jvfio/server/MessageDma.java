package dev.jvfio.server;

import dev.jvfio.device.DmaFault;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DmaTransferMessage;
import dev.jvfio.protocol.Header;
import dev.jvfio.transport.UnixConnection;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Client memory mapped without an fd, reached by DMA_READ / DMA_WRITE messages to the client
 * (VU-6.3) in QEMU's layout (VU-8.4), at most the client's max_data_xfer_size per message.
 *
 * <p>A message goes out only while the session serves no request (it holds the {@link ReplyGate}
 * to send, VU-8.5), and its reply comes back through the session thread, which hands every reply
 * to {@link #accept}. The device thread waits for that reply without holding any lock of the DMA
 * table, so a DMA_UNMAP is never held up by the client's own answer. A missing, malformed or error
 * reply is a fault at the chunk's address.
 */
final class MessageDma {
    /** QEMU's own message timeout; a client silent for this long gets a fault. */
    static final long REPLY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Message ids of server requests: the client echoes them, nothing else is checked. */
    private static final int FIRST_ID = 0x8000;

    private final UnixConnection conn;
    private final ReplyGate gate;
    private final int maxChunk;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment out;
    /** One transfer at a time per client. */
    private final ReentrantLock transfer = new ReentrantLock();

    // The request in flight, guarded by this.
    private int pendingId = -1;
    private int pendingCommand;
    private long pendingAddress;
    private int pendingCount;
    private MemorySegment pendingDst;
    private boolean answered;
    private boolean failed;
    private boolean closed;
    private int nextId = FIRST_ID;

    MessageDma(UnixConnection conn, ReplyGate gate, long maxChunk) {
        this.conn = conn;
        this.gate = gate;
        this.maxChunk = (int) Math.max(1, Math.min(maxChunk, 1 << 20));
        this.out = arena.allocate(DmaTransferMessage.SIZE + this.maxChunk, 8);
    }

    /** Reads dst.byteSize() bytes of client memory at iova by DMA_READ messages. */
    void read(long iova, MemorySegment dst) throws DmaFault {
        move(iova, dst, false);
    }

    /** Writes src to client memory at iova by DMA_WRITE messages. */
    void write(long iova, MemorySegment src) throws DmaFault {
        move(iova, src, true);
    }

    private void move(long iova, MemorySegment data, boolean write) throws DmaFault {
        transfer.lock();
        try {
            for (long done = 0; done < data.byteSize(); ) {
                int n = (int) Math.min(maxChunk, data.byteSize() - done);
                long at = iova + done;
                if (!exchange(at, data.asSlice(done, n), write)) {
                    throw new DmaFault(
                            DmaFault.Kind.NOT_MAPPED,
                            at,
                            "the client did not serve " + (write ? "DMA_WRITE" : "DMA_READ") + " of " + n
                                    + " bytes at 0x" + Long.toHexString(at));
                }
                done += n;
            }
        } finally {
            transfer.unlock();
        }
    }

    /** One request and its reply; false if the client refused, answered badly, or not in time. */
    private boolean exchange(long at, MemorySegment chunk, boolean write) {
        int n = (int) chunk.byteSize();
        int size;
        int id;
        synchronized (this) {
            if (closed) {
                return false;
            }
            id = nextId;
            pendingId = id;
            nextId = nextId == 0xFFFF ? FIRST_ID : nextId + 1;
            pendingCommand = write ? Command.DMA_WRITE : Command.DMA_READ;
            pendingAddress = at;
            pendingCount = n;
            pendingDst = write ? null : chunk;
            answered = false;
            failed = false;
        }
        if (write) {
            size = DmaTransferMessage.encodeWrite(out, id, at, n);
            MemorySegment.copy(chunk, 0, out, DmaTransferMessage.DATA, n);
        } else {
            size = DmaTransferMessage.encodeRead(out, id, at, n);
        }
        try {
            gate.enter(); // never while the session serves a request (VU-8.5); one sender at a time
            try {
                conn.send(out.asSlice(0, size));
            } finally {
                gate.leave();
            }
        } catch (IOException e) {
            clear();
            return false;
        }
        long deadline = System.nanoTime() + REPLY_TIMEOUT_NANOS;
        synchronized (this) {
            try {
                while (!answered && !closed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            boolean ok = answered && !failed;
            pendingId = -1;
            pendingDst = null;
            return ok;
        }
    }

    private synchronized void clear() {
        pendingId = -1;
        pendingDst = null;
    }

    /**
     * The session received a reply ({@code m} is the whole message): if it answers the request in
     * flight, takes its data and returns true; else false (a stray reply).
     */
    synchronized boolean accept(MemorySegment m) {
        if (pendingId < 0 || Header.id(m) != pendingId || Header.command(m) != pendingCommand) {
            return false;
        }
        if (Header.isError(m)) {
            failed = true;
        } else if (pendingCommand == Command.DMA_READ) {
            if (DmaTransferMessage.checkReadReply(m, pendingAddress, pendingCount) != 0) {
                failed = true;
            } else {
                try {
                    MemorySegment.copy(m, DmaTransferMessage.DATA, pendingDst, 0, pendingCount);
                } catch (RuntimeException | InternalError e) {
                    failed = true; // the device's buffer is unusable here; the session must go on
                }
            }
        }
        answered = true;
        pendingId = -1;
        notifyAll();
        return true;
    }

    /** The session ends: the transfer in flight fails, later ones too. */
    void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        transfer.lock(); // the buffer is free once no transfer uses it
        try {
            arena.close();
        } finally {
            transfer.unlock();
        }
    }
}
