package dev.jvfio.nvgrace;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import java.time.Duration;
import java.util.function.LongToIntFunction;

/**
 * "Is the GPU ready after reset" (reference NV-7, NV-4.5): two BAR0 registers must both read 0xFF;
 * poll them every quantum and give up after the timeout with ETIME.
 *
 * <p>State: a "reset happened" flag, set by any reset (FLR or DEVICE_RESET). The first trapped
 * access after a reset fails with EIO if memory decode is off, otherwise waits for readiness; only a
 * successful wait clears the flag, so after ETIME the next access polls again (Linux 6.19).
 */
final class Readiness {
    private final LongToIntFunction bar0;
    private final Duration quantum;
    private final Duration timeout;
    private final ReadinessClock clock;
    private volatile boolean resetPending;

    /**
     * @param bar0    reads a 32-bit BAR0 register of the hardware at an offset
     * @param quantum poll interval (1 s in the driver)
     * @param timeout give-up time (30 s in the driver)
     * @param clock   time source and sleeper
     */
    Readiness(LongToIntFunction bar0, Duration quantum, Duration timeout, ReadinessClock clock) {
        if (quantum.isNegative() || quantum.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("bad poll quantum " + quantum + " or timeout " + timeout);
        }
        this.bar0 = bar0;
        this.quantum = quantum;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** NV-7.1: both registers read the ready value right now. */
    boolean registersReady() {
        return bar0.applyAsInt(NvGraceConstants.C2C_LINK_BAR0_OFFSET) == NvGraceConstants.STATUS_READY
                && bar0.applyAsInt(NvGraceConstants.HBM_TRAINING_BAR0_OFFSET) == NvGraceConstants.STATUS_READY;
    }

    /** NV-7.2: a reset happened; the next trapped access must check readiness. */
    void resetHappened() {
        resetPending = true;
    }

    boolean resetPending() {
        return resetPending;
    }

    /** A migrated device: whether a reset was still unacknowledged on the source. */
    void restoreResetPending(boolean pending) {
        resetPending = pending;
    }

    /**
     * NV-4.5: called before every trapped access of the memory BARs. Without a pending reset it
     * returns at once. Otherwise EIO when memory decode is off, else wait for readiness (ETIME on
     * timeout, the flag stays set) and clear the flag.
     */
    void beforeAccess(boolean memoryDecodeEnabled) throws VfioException {
        if (!resetPending) {
            return;
        }
        synchronized (this) {
            if (!resetPending) {
                return;
            }
            if (!memoryDecodeEnabled) {
                throw new VfioException(Errno.EIO, "first access after reset with memory decode off");
            }
            awaitReady();
            resetPending = false;
        }
    }

    /**
     * NV-7.1: poll until both registers are ready; ETIME after the timeout. Also the probe-time
     * check (NV-7.2): a GPU that never becomes ready fails to bind.
     */
    void awaitReady() throws VfioException {
        long start = clock.nanoTime();
        long limit = timeout.toNanos();
        while (true) {
            if (registersReady()) {
                return;
            }
            long elapsed = clock.nanoTime() - start;
            if (elapsed >= limit) {
                throw new VfioException(
                        Errno.ETIME,
                        "GPU not ready " + timeout.toMillis() + " ms after reset"
                                + " (BAR0 0x1498 and 0x200BC must read 0xFF)");
            }
            try {
                clock.sleep(quantum);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VfioException(Errno.ETIME, "interrupted while waiting for the GPU to become ready");
            }
        }
    }
}
