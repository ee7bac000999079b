package dev.jvfio.devicestate;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.zip.CRC32C;

/**
 * The stop-copy pass's check of every chunk a pre-copy pass sent: which of them the guest changed
 * since (MIG-1.9). Without a dirty log for memory the guest writes through its own mapping, the
 * only way to know is to read every such chunk again; that read is most of the downtime, and it is
 * bounded by memory bandwidth, so several threads share it, in address order, while the stream
 * already sends the changed chunks the scan found (the pass asks {@link #changed} in the same
 * order, and waits only for a chunk not checked yet).
 *
 * <p>Each worker finds the chunk's populated extents itself (the guest may have written into
 * holes since) and reads only those, through the stream's {@link ImageReader}; holes count as
 * zeros and stay holes.
 */
final class ChunkScan implements AutoCloseable {
    /** Bytes read per step: small enough to stay in the CPU's cache while the digest reads them. */
    private static final long STEP = 256 << 10;

    private static final int PENDING = 0;
    private static final int SAME = 1;
    private static final int CHANGED = 2;
    private static final int FAILED = 3;

    private final ImageReader memory;
    private final ChunkDigests digests;
    /** The chunks to check, ascending. */
    private final int[] chunks;

    private final AtomicIntegerArray results;
    private final AtomicInteger nextTask = new AtomicInteger();
    private final List<Thread> workers = new ArrayList<>();
    private final Object done = new Object();
    /** The task the stream waits for, or -1: a worker wakes it only for that one. */
    private volatile int awaited = -1;
    /** The stream's own buffer and extent cache, for the tasks it runs while it would wait. */
    private final Arena callerArena = Arena.ofShared();

    private final MemorySegment callerScratch = callerArena.allocate(STEP, 4096);
    private final Extents callerExtents;
    private volatile boolean closed;
    private volatile String failure;

    /**
     * Checks the chunks {@code digests} says were sent with {@code threads} threads: the stream's
     * own (whoever calls {@link #changed}, which runs the next unchecked chunk instead of waiting)
     * and {@code threads - 1} workers started now.
     *
     * @param threads at least 1; more than the machine's CPUs only adds switching
     */
    ChunkScan(ImageReader memory, ChunkDigests digests, int threads) {
        this.memory = memory;
        this.digests = digests;
        this.chunks = digests.sentChunks();
        this.results = new AtomicIntegerArray(chunks.length);
        this.callerExtents = new Extents(memory.memory());
        int n = Math.max(0, Math.min(threads - 1, chunks.length));
        for (int i = 0; i < n; i++) {
            workers.add(Thread.ofPlatform()
                    .daemon()
                    .name("jvfio-migration-scan-" + i)
                    .start(this::work));
        }
    }

    /** Threads worth using: the CPUs this process may run on, at most four (memory bandwidth saturates). */
    static int defaultThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    /** Whether this scan checks the chunk (it was sent before the scan started). */
    boolean covers(int chunk) {
        return Arrays.binarySearch(chunks, chunk) >= 0;
    }

    /**
     * Whether the chunk sent before changed since; waits until a worker checked it.
     *
     * @throws VfioException EIO when its memory could not be read
     */
    boolean changed(int chunk) throws VfioException {
        int task = Arrays.binarySearch(chunks, chunk);
        if (task < 0) {
            throw new IllegalArgumentException("chunk " + chunk + " was not sent");
        }
        int r;
        while ((r = results.get(task)) == PENDING) {
            int next = nextTask.getAndIncrement();
            if (next < chunks.length) {
                run(next, callerExtents, callerScratch); // rather than wait, check the next chunk
                continue;
            }
            synchronized (done) {
                awaited = task;
                try {
                    while ((r = results.get(task)) == PENDING) {
                        if (closed) {
                            throw VfioException.invalid("the stream was dropped while checking device memory");
                        }
                        done.wait(100);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw VfioException.invalid("interrupted while checking device memory");
                } finally {
                    awaited = -1;
                }
            }
        }
        if (r == FAILED) {
            throw new VfioException(Errno.EIO, failure);
        }
        return r == CHANGED;
    }

    private void work() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = arena.allocate(STEP, 4096);
            Extents extents = new Extents(memory.memory());
            for (int task = nextTask.getAndIncrement();
                    task < chunks.length && !closed;
                    task = nextTask.getAndIncrement()) {
                run(task, extents, scratch);
            }
        }
    }

    private void run(int task, Extents extents, MemorySegment scratch) {
        int chunk = chunks[task];
        int r;
        try {
            r = digest(chunk, extents, scratch) == digests.digest(chunk) ? SAME : CHANGED;
        } catch (VfioException e) {
            failure = e.getMessage();
            r = FAILED;
        }
        results.set(task, r);
        if (awaited == task) {
            synchronized (done) {
                done.notifyAll();
            }
        }
    }

    /** The CRC32C of the chunk's content now, holes as zeros: what {@link ChunkRecord} computes as it sends. */
    private int digest(int chunk, Extents extents, MemorySegment scratch) throws VfioException {
        long start = chunk * StreamFormat.CHUNK;
        int length = (int) Math.min(StreamFormat.CHUNK, memory.memory().size() - start);
        CRC32C crc = new CRC32C();
        memory.digest(crc, start, length, extents.inChunk(start, length), scratch);
        return (int) crc.getValue();
    }

    /** Stops the workers (a chunk being read finishes) and waits for them. */
    @Override
    public void close() {
        closed = true;
        nextTask.set(chunks.length);
        for (Thread t : workers) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        callerArena.close();
    }
}
