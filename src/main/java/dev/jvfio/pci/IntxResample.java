package dev.jvfio.pci;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.NativeException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The INTx unmask eventfd a KVM host installs with SET_IRQS (INTx, DATA_EVENTFD | ACTION_UNMASK,
 * PCI-10.3): KVM writes it when the guest's end of interrupt resamples the line, and each signal
 * unmasks INTx as an UNMASK request would, which re-signals the trigger while the device still
 * asserts the line. The counterpart of the kernel's virqfd on {@code ctx->unmask}.
 *
 * <p>A daemon thread waits on the eventfd (a native poll, so a platform thread: a virtual one would
 * pin its carrier). It owns the fd and closes it when it ends; {@link #close()} only tells it to end,
 * so that it may be called under the device's lock while the thread waits for that lock.
 */
final class IntxResample implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(IntxResample.class.getName());

    private final Fd fd;
    private final EventFd stop;
    private volatile boolean closed;

    private IntxResample(Fd fd, EventFd stop) {
        this.fd = fd;
        this.stop = stop;
    }

    /**
     * Starts watching {@code fd} (the device owns it from here on, also when this throws);
     * {@code onSignal} gets this watcher for every signal until {@link #close()}.
     */
    static IntxResample start(String device, Fd fd, Consumer<IntxResample> onSignal) throws VfioException {
        EventFd stop;
        try {
            EventFd.makeNonBlocking(fd);
            stop = EventFd.create();
        } catch (NativeException e) {
            fd.close();
            throw new VfioException(Errno.EINVAL, "cannot watch the INTx unmask eventfd: " + e.getMessage());
        }
        IntxResample r = new IntxResample(fd, stop);
        Thread t = new Thread(() -> r.run(onSignal), "intx-resample " + device);
        t.setDaemon(true);
        try {
            t.start();
        } catch (OutOfMemoryError e) {
            fd.close();
            stop.close();
            throw new VfioException(Errno.ENOMEM, "no thread for the INTx unmask eventfd");
        }
        return r;
    }

    private void run(Consumer<IntxResample> onSignal) {
        try {
            while (!closed && EventFd.awaitEither(fd, stop)) {
                if (!closed) {
                    onSignal.accept(this);
                }
            }
        } catch (NativeException | RuntimeException e) {
            LOG.log(Level.FINE, "INTx unmask eventfd watch ended", e);
        } finally {
            synchronized (this) { // not while close() writes to stop
                fd.close();
                stop.close();
            }
        }
    }

    boolean closed() {
        return closed;
    }

    /** Stops watching; the thread closes the eventfd as it ends. Idempotent, never blocks. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (stop.fd().isOpen()) {
            try {
                stop.signal();
            } catch (NativeException e) {
                // cannot happen for an open eventfd; the thread ends at the next signal anyway
            }
        }
    }
}
