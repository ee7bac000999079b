package dev.jvfio.server;

import dev.jvfio.device.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The DMA windows one client mapped (VU-6), keyed by I/O virtual address (unsigned), and the lock
 * that orders device accesses against map and unmap. Device threads look windows up and copy
 * through them under the {@link #readLock() read lock}; adding and removing take the write lock,
 * so a window is removed only once every access in flight through it has finished, and an unmap
 * reply, sent after the removal, comes after the last byte moved (VU-6.2).
 *
 * <p>The table only keeps windows: the caller maps and unmaps their memory and accounts for it.
 * Only the session thread adds and removes windows.
 */
final class DmaTable {
    private final TreeMap<Long, DmaWindow> windows = new TreeMap<>(Long::compareUnsigned);
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private int maxWindows;
    private boolean closed;

    DmaTable(int maxWindows) {
        this.maxWindows = maxWindows;
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
     * Whether a window at [iova, iova + size) could be added now: 0, EEXIST if it overlaps one
     * (VU-6.1), ENOSPC beyond max_dma_maps (VU-3.3), ENODEV once the table is closed.
     */
    int admits(long iova, long size) {
        lock.readLock().lock();
        try {
            return check(iova, size);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Adds {@code w}; 0 or the errno of {@link #admits}, and then the table does not hold it. */
    int add(DmaWindow w) {
        lock.writeLock().lock();
        try {
            int errno = check(w.iova(), w.size());
            if (errno == 0) {
                windows.put(w.iova(), w);
            }
            return errno;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private int check(long iova, long size) {
        if (closed) {
            return Errno.ENODEV;
        }
        Map.Entry<Long, DmaWindow> below = windows.floorEntry(iova + size - 1);
        if (below != null && Long.compareUnsigned(below.getValue().last(), iova) >= 0) {
            return Errno.EEXIST;
        }
        return windows.size() >= maxWindows ? Errno.ENOSPC : 0;
    }

    /** The window that is exactly [iova, iova + size) (VU-6.2), or null. */
    DmaWindow exactly(long iova, long size) {
        lock.readLock().lock();
        try {
            DmaWindow w = windows.get(iova);
            return w != null && w.size() == size ? w : null;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Removes {@code w}, once no access is in flight; its memory is the caller's to release. */
    void remove(DmaWindow w) {
        lock.writeLock().lock();
        try {
            windows.remove(w.iova(), w);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Every window, in address order (a copy). */
    List<DmaWindow> all() {
        lock.readLock().lock();
        try {
            return new ArrayList<>(windows.values());
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Removes every window, once no access is in flight, and returns them; with {@code close},
     * refuses every later add and lookup too (the client went away, VU-1.4).
     */
    List<DmaWindow> removeAll(boolean close) {
        lock.writeLock().lock();
        try {
            closed |= close;
            List<DmaWindow> removed = new ArrayList<>(windows.values());
            windows.clear();
            return removed;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Held by a device access while it looks windows up and copies through them. */
    Lock readLock() {
        return lock.readLock();
    }

    /** The window holding {@code iova}, or null (none, or table closed). Call under {@link #readLock()}. */
    DmaWindow at(long iova) {
        if (closed) {
            return null;
        }
        Map.Entry<Long, DmaWindow> e = windows.floorEntry(iova);
        return e != null && e.getValue().covers(iova) ? e.getValue() : null;
    }

    /** Whether the client went away; call under {@link #readLock()}. */
    boolean closed() {
        return closed;
    }

    int size() {
        lock.readLock().lock();
        try {
            return windows.size();
        } finally {
            lock.readLock().unlock();
        }
    }
}
