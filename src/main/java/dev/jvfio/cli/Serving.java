package dev.jvfio.cli;

import dev.jvfio.device.VfioDevice;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What one {@code serve} has created, from its first socket directory to its last socket, so that a
 * stop at any moment removes it: the shutdown hook is in place before anything is created. While
 * serve is still building (creating 200 devices, pre-faulting a file), a stop lets the building
 * thread finish the step it is in and clean up after itself, waiting for it at most
 * {@link #BUILD_STEP_WAIT_MS}, so that serve exits within 2 s of SIGTERM in every state.
 */
final class Serving {
    /** How long a stop waits for the building thread to leave its current step. */
    static final long BUILD_STEP_WAIT_MS = 1200;

    /** Thrown on the building thread when a stop came in meanwhile. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped while starting", null, false, false);
        }
    }

    private final ServeLog log;
    private final Object lock = new Object();
    private final List<VfioDevice> devices = new ArrayList<>();
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final List<Path> createdDirectories = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean stopping;
    private boolean building = true;

    Serving(ServeLog log) {
        this.log = log;
    }

    boolean stopping() {
        synchronized (lock) {
            return stopping;
        }
    }

    /** On the building thread: throws {@link Stopped} if a stop came in. */
    void checkRunning() {
        if (stopping()) throw new Stopped();
    }

    /** Takes a new device into our care; if a stop came in meanwhile, closes it and throws {@link Stopped}. */
    void add(VfioDevice device) {
        synchronized (lock) {
            if (!stopping) {
                devices.add(device);
                return;
            }
        }
        closeQuietly(device);
        throw new Stopped();
    }

    /** The devices taken so far, in order (the control socket pairs them with {@link #endpoints()}). */
    List<VfioDevice> devices() {
        synchronized (lock) {
            return List.copyOf(devices);
        }
    }

    /** The endpoints taken so far, in order: one per device while building. */
    List<Endpoint> endpoints() {
        synchronized (lock) {
            return List.copyOf(endpoints);
        }
    }

    /** Takes a new endpoint (its socket file) into our care, like {@link #add(VfioDevice)}. */
    void add(Endpoint endpoint) {
        synchronized (lock) {
            if (!stopping) {
                endpoints.add(endpoint);
                return;
            }
        }
        endpoint.close();
        throw new Stopped();
    }

    /**
     * Creates {@code dir} and every missing directory above it with {@code mode} (never the umask's
     * 0755 for the ones in between), remembering each so that it is removed again (when empty) at
     * stop.
     */
    void createDirectories(Path dir, Set<PosixFilePermission> mode) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) missing.addFirst(p);
        for (Path p : missing) {
            checkRunning();
            Files.createDirectory(p, PosixFilePermissions.asFileAttribute(mode));
            synchronized (lock) {
                createdDirectories.add(p);
            }
            Files.setPosixFilePermissions(p, mode); // the umask may have narrowed createDirectory's mode
        }
    }

    /** On the building thread: everything is created (or cleaned up after a failure); a waiting stop may go on. */
    void built() {
        synchronized (lock) {
            building = false;
            lock.notifyAll();
        }
    }

    /** Until a stop has closed everything. */
    void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** The shutdown hook: stops at whatever stage serve is in, within about a second. */
    void stop() {
        synchronized (lock) {
            stopping = true;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BUILD_STEP_WAIT_MS);
            while (building) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        int sockets;
        synchronized (lock) {
            sockets = endpoints.size();
        }
        log.info("stopping: closing " + sockets + " socket" + (sockets == 1 ? "" : "s"));
        close();
        log.flush();
        log.info("stopped");
        stopped.countDown();
    }

    /** Closes the endpoints (removing their sockets), then the devices, then the directories we created. */
    void close() {
        List<Endpoint> e;
        List<VfioDevice> d;
        List<Path> dirs;
        synchronized (lock) {
            e = new ArrayList<>(endpoints);
            d = new ArrayList<>(devices);
            dirs = new ArrayList<>(createdDirectories);
            endpoints.clear();
            devices.clear();
            createdDirectories.clear();
        }
        for (Endpoint endpoint : e.reversed()) {
            try {
                endpoint.close();
            } catch (RuntimeException ex) {
                log.info("closing a socket failed: " + ex);
            }
        }
        for (VfioDevice device : d.reversed()) closeQuietly(device);
        for (Path dir : dirs.reversed()) {
            try {
                Files.deleteIfExists(dir);
            } catch (DirectoryNotEmptyException | NoSuchFileException ignored) {
                // someone else's files are in it now, or it is gone: not ours to remove
            } catch (IOException ex) {
                log.info("removing " + dir + " failed: " + Reasons.of(ex));
            }
        }
    }

    private void closeQuietly(VfioDevice device) {
        try {
            device.close();
        } catch (RuntimeException ex) {
            log.info("closing " + device.name() + " failed: " + ex);
        }
    }
}
