package dev.jvfio.pci;

import dev.jvfio.os.Fd;
import java.util.Arrays;
import java.util.List;

/**
 * The eventfds that SET_IRQS installed for one IRQ index, plus the SET_IRQS mask and pending state of
 * each vector. Owns the fds: replacing, clearing or closing closes them. Guarded by the device.
 */
final class IrqVectors {
    private final Fd[] fds;
    private final boolean[] masked;
    private final boolean[] pending;

    IrqVectors(int count) {
        fds = new Fd[count];
        masked = new boolean[count];
        pending = new boolean[count];
    }

    int count() {
        return fds.length;
    }

    /** Installs fds for vectors start.. (null entries de-assign); takes ownership of every non-null fd. */
    void install(int start, List<Fd> list) {
        for (int i = 0; i < list.size(); i++) {
            replace(start + i, list.get(i));
        }
    }

    void deassign(int start, int count) {
        for (int i = 0; i < count; i++) {
            replace(start + i, null);
        }
    }

    private void replace(int v, Fd fd) {
        Fd old = fds[v];
        fds[v] = fd;
        if (old != null && old != fd) {
            old.close();
        }
        if (fd == null) {
            masked[v] = false;
            pending[v] = false;
        }
    }

    Fd fd(int v) {
        return fds[v];
    }

    boolean anyAssigned() {
        for (Fd f : fds) {
            if (f != null) {
                return true;
            }
        }
        return false;
    }

    boolean masked(int v) {
        return masked[v];
    }

    void setMasked(int v, boolean m) {
        masked[v] = m;
    }

    boolean pending(int v) {
        return pending[v];
    }

    void setPending(int v, boolean p) {
        pending[v] = p;
    }

    /** The pending flags (a copy), for a migration stream; the eventfds and masks are the client's. */
    boolean[] pendingCopy() {
        return pending.clone();
    }

    /** Restores migrated pending flags of this index's size. */
    void restorePending(boolean[] p) {
        System.arraycopy(p, 0, pending, 0, pending.length);
    }

    void clearPending() {
        Arrays.fill(pending, false);
    }

    /** Closes every fd and forgets masks and pending state. */
    void clear() {
        deassign(0, fds.length);
        Arrays.fill(masked, false);
    }
}
