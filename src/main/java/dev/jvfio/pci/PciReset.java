package dev.jvfio.pci;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Function reset: config space back to power-on values (sticky bits kept), pending interrupts cleared,
 * BAR backings reset, then the {@link ResetListener}s told which reset it was (FLR, DEVICE_RESET, the
 * D3hot→D0 soft reset; PCI-5.x, PCI-3.8) — the reset paths of the kernel's {@code vfio_pci_core.c}.
 */
final class PciReset {
    private final ConfigSpace config;
    private final PciInterrupts interrupts;
    private final PciBar[] bars;
    private final FunctionHealth health;
    private final List<ResetListener> listeners = new CopyOnWriteArrayList<>();
    private volatile long count;

    PciReset(ConfigSpace config, PciInterrupts interrupts, PciBar[] bars, FunctionHealth health) {
        this.config = config;
        this.interrupts = interrupts;
        this.bars = bars;
        this.health = health;
    }

    /** Resets since the function was created. */
    long count() {
        return count;
    }

    void addListener(ResetListener l) {
        listeners.add(Objects.requireNonNull(l));
    }

    void removeListener(ResetListener l) {
        listeners.remove(l);
    }

    /** Resets the function's state; runs under the device's lock, listeners are told after it. */
    void resetState() {
        count++;
        health.reset();
        config.resetToPowerOn();
        interrupts.reset();
        for (PciBar b : bars) {
            if (b != null) {
                b.backing().reset();
            }
        }
    }

    /** Tells the listeners, outside the device's lock. */
    void notifyListeners(ResetKind kind) {
        for (ResetListener l : listeners) {
            l.onReset(kind);
        }
    }
}
