package dev.jvfio.server;

import dev.jvfio.device.DmaFault;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import dev.jvfio.procfs.AddressSpace;
import dev.jvfio.os.MappedMemory;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The DMA windows one client mapped (VU-6), keyed by I/O virtual address (unsigned). Windows
 * that came with an fd are mmap'ed and serve {@link DmaSpace} reads and writes; windows without
 * an fd are reached by DMA_READ/WRITE messages to the client ({@link MessageDma}, VU-8.4, VU-8.5).
 *
 * <p>Device threads read and write under the read lock; map and unmap take the write lock, so an
 * unmap reply is sent only after every in-flight access to that window finished (VU-6.2). One
 * access may span adjacent windows; a fault names the first address it could not reach.
 */
final class DmaTable implements DmaSpace {
    private record Window(long iova, long size, boolean readable, boolean writable, MappedMemory memory) {
        long last() {
            return iova + size - 1;
        }
    }

    private final TreeMap<Long, Window> windows = new TreeMap<>(Long::compareUnsigned);
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final ReplyGate gate = new ReplyGate();
    private volatile MessageDma messages;
    private int maxWindows;
    /** This client's mmap'ed windows and their bytes, held to a quarter of the process budgets. */
    private int mappedWindows;
    private long mappedBytes;
    private boolean closed;

    DmaTable(int maxWindows) {
        this.maxWindows = maxWindows;
    }

    /**
     * The most windows one client can count on holding: the configured max_dma_maps, but never
     * more than {@link #SESSION_MAPPING_SHARE} (beyond it an fd-backed map fails anyway). This is
     * what VERSION announces, so the announced max_dma_maps is the cap actually enforced.
     */
    static int perClientCap(int configuredMaxWindows) {
        return Math.min(configuredMaxWindows, SESSION_MAPPING_SHARE);
    }

    /** Lowers the window cap (to what VERSION announced); never raises it. */
    void limitWindows(int max) {
        lock.writeLock().lock();
        try {
            maxWindows = Math.max(0, Math.min(maxWindows, max));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Adds a window; takes ownership of {@code memory} (may be null: no fd) only when it returns
     * 0. EEXIST if it overlaps a window (VU-6.1), ENOSPC beyond max_dma_maps or beyond the
     * process's {@link #PROCESS_MAPPING_BUDGET}, ENOMEM beyond {@link #PROCESS_BYTES_BUDGET}.
     */
    int map(long iova, long size, boolean readable, boolean writable, MappedMemory memory) {
        lock.writeLock().lock();
        try {
            if (closed) {
                return Errno.ENODEV;
            }
            long last = iova + size - 1;
            Map.Entry<Long, Window> below = windows.floorEntry(last);
            if (below != null && Long.compareUnsigned(below.getValue().last(), iova) >= 0) {
                return Errno.EEXIST;
            }
            if (windows.size() >= maxWindows) {
                return Errno.ENOSPC;
            }
            if (memory != null && (mappedWindows >= SESSION_MAPPING_SHARE || size > SESSION_BYTES_SHARE - mappedBytes)) {
                return mappedWindows >= SESSION_MAPPING_SHARE ? Errno.ENOSPC : Errno.ENOMEM;
            }
            if (memory != null && PROCESS_MAPPINGS.incrementAndGet() > PROCESS_MAPPING_BUDGET) {
                PROCESS_MAPPINGS.decrementAndGet();
                return Errno.ENOSPC;
            }
            if (memory != null && PROCESS_MAPPED_BYTES.addAndGet(size) > PROCESS_BYTES_BUDGET) {
                PROCESS_MAPPED_BYTES.addAndGet(-size);
                PROCESS_MAPPINGS.decrementAndGet();
                return Errno.ENOMEM;
            }
            if (memory != null) {
                mappedWindows++;
                mappedBytes += size;
            }
            windows.put(iova, new Window(iova, size, readable, writable, memory));
            return 0;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes the window that matches exactly (VU-6.2); EINVAL if none does. */
    int unmap(long iova, long size) {
        lock.writeLock().lock();
        try {
            Window w = windows.get(iova);
            if (w == null || w.size != size) {
                return Errno.EINVAL;
            }
            windows.remove(iova);
            release(w);
            return 0;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes every window. */
    void unmapAll() {
        lock.writeLock().lock();
        try {
            for (Window w : windows.values()) {
                release(w);
            }
            windows.clear();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Unmaps everything and refuses all later use (the client went away, VU-1.4). */
    void close() {
        MessageDma m = messages;
        if (m != null) {
            m.close(); // first, outside the lock: a device thread waiting for a reply gives up now
        }
        lock.writeLock().lock();
        try {
            closed = true;
            unmapAll();
        } finally {
            lock.writeLock().unlock();
        }
    }

    int size() {
        lock.readLock().lock();
        try {
            return windows.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    private void release(Window w) {
        if (w.memory != null) {
            w.memory.close();
            mappedWindows--;
            mappedBytes -= w.size;
            PROCESS_MAPPINGS.decrementAndGet();
            PROCESS_MAPPED_BYTES.addAndGet(-w.size);
        }
    }

    /**
     * Windows mmap'ed for all clients of this process together. Each is a kernel mapping, and a
     * process has at most vm.max_map_count of them (65530 by default): a client that maps its
     * max_dma_maps (65535) windows would leave the JVM unable to map memory, and the JVM aborts,
     * taking every device of the process with it. Half the limit stays for the JVM.
     */
    static final int PROCESS_MAPPING_BUDGET = mappingBudget();
    private static final java.util.concurrent.atomic.AtomicInteger PROCESS_MAPPINGS =
            new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Bytes of address space all mmap'ed DMA windows of this process may take together: half of
     * it. A client that mapped ~1 TiB windows of a sparse memfd until mmap failed took it all, and
     * the next thread the server started (another device's session) could not get a stack: that
     * device's accept thread died. The size is the kernel's, not x86-64's 128 TiB (then 64 TiB
     * here, far above any VM's RAM): an arm64 kernel with 39-bit VA has only 512 GiB.
     */
    static final long PROCESS_BYTES_BUDGET = AddressSpace.userBytes() / 2;
    private static final java.util.concurrent.atomic.AtomicLong PROCESS_MAPPED_BYTES =
            new java.util.concurrent.atomic.AtomicLong();

    /**
     * What one client may take of the process budgets: a quarter, so that a hostile client of one
     * device cannot starve the DMA maps of the other devices served by the same process.
     */
    static final int SESSION_MAPPING_SHARE = PROCESS_MAPPING_BUDGET / 4;
    static final long SESSION_BYTES_SHARE = PROCESS_BYTES_BUDGET / 4;

    private static int mappingBudget() {
        try {
            // readAllLines, not readString: the latter returns a single byte of this procfs file
            long max = Long.parseLong(java.nio.file.Files.readAllLines(
                    java.nio.file.Path.of("/proc/sys/vm/max_map_count")).getFirst().trim());
            return (int) Math.max(256, Math.min(Integer.MAX_VALUE, max / 2));
        } catch (java.io.IOException | RuntimeException e) {
            return 32765;
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

    /** Returns once no request is being served (VU-8.5); never on the session thread. */
    void awaitReplySent() throws InterruptedException {
        gate.awaitReplySent();
    }

    /** Held by the session thread while it serves one request (from receipt to reply). */
    ReplyGate gate() {
        return gate;
    }

    /**
     * Moves {@code data} to ({@code write}) or from guest memory at {@code iova}, window by window,
     * under the read lock: an unmap waits until the call is over, and no byte moves after it.
     */
    private void transfer(long iova, MemorySegment data, boolean write) throws VfioException {
        long n = data.byteSize();
        long done = 0;
        while (done < n) {
            long at = iova + done;
            if (done > 0 && Long.compareUnsigned(at, iova) < 0) {
                throw new DmaFault(DmaFault.Kind.NOT_MAPPED, at, "DMA range wraps past the top of the address space");
            }
            long take;
            lock.readLock().lock();
            try {
                Window w = find(at, write);
                take = Math.min(n - done, w.size - (at - w.iova));
                if (w.memory != null) {
                    try {
                        if (write) {
                            MemorySegment.copy(data, done, w.memory.segment(), at - w.iova, take);
                        } else {
                            MemorySegment.copy(w.memory.segment(), at - w.iova, data, done, take);
                        }
                    } catch (InternalError e) {
                        throw truncated(at, e);
                    }
                    done += take;
                    continue;
                }
            } finally {
                lock.readLock().unlock();
            }
            // No fd: DMA_READ/WRITE messages, outside the lock: the client answers them, and an
            // unmap it sends meanwhile must not wait for its own answer (the server touches nothing).
            MessageDma m = messages;
            if (gate.servingOnThisThread()) {
                // a device reaching client memory while it handles a request: a message now would
                // go out while a reply is pending, and its answer could only come through this thread
                throw new DmaFault(DmaFault.Kind.NOT_MAPPED, at, "DMA window at 0x" + Long.toHexString(at)
                        + " has no fd; message DMA is not served while a request is (VU-8.5)");
            }
            if (m == null) {
                throw new DmaFault(DmaFault.Kind.NOT_MAPPED, at, "DMA window at 0x" + Long.toHexString(at)
                        + " has no fd and the session has no message channel");
            }
            if (write) {
                m.write(at, data.asSlice(done, take));
            } else {
                m.read(at, data.asSlice(done, take));
            }
            done += take;
        }
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

    /**
     * HotSpot turns the SIGBUS of an access past the end of a file that the client truncated
     * after mapping into an InternalError; that is the client's fault: the memory is gone.
     */
    private static DmaFault truncated(long iova, InternalError e) {
        return new DmaFault(DmaFault.Kind.NOT_MAPPED, iova, "DMA at 0x" + Long.toHexString(iova)
                + " faulted (client shrank the file): " + e.getMessage());
    }

    /** The window holding {@code iova}, usable for the access; DmaFault at iova otherwise. */
    private Window find(long iova, boolean write) throws DmaFault {
        String at = "0x" + Long.toHexString(iova);
        if (closed) {
            throw new DmaFault(DmaFault.Kind.NOT_MAPPED, iova, "no client attached");
        }
        Map.Entry<Long, Window> e = windows.floorEntry(iova);
        Window w = e == null ? null : e.getValue();
        if (w == null || Long.compareUnsigned(iova - w.iova, w.size) >= 0) {
            throw new DmaFault(DmaFault.Kind.NOT_MAPPED, iova, "no DMA window covers " + at);
        }
        if (write ? !w.writable : !w.readable) {
            throw new DmaFault(write ? DmaFault.Kind.NOT_WRITABLE : DmaFault.Kind.NOT_READABLE, iova,
                    "DMA window at 0x" + Long.toHexString(w.iova) + " is not " + (write ? "writable" : "readable"));
        }
        return w;
    }
}
