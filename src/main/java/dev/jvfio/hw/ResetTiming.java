package dev.jvfio.hw;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The simulated GPU's recovery after a reset: for a configurable time the chip-to-chip link and HBM
 * training are "in progress" (reference NV-7). Time comes from an injectable nanosecond clock.
 */
final class ResetTiming {
    private final LongSupplier nanoClock;
    private final long notReadyNanos;
    private volatile long readyAt;
    /** The next reset never completes (an injected fault, docs/faults.md). */
    private volatile boolean failNext;
    /** A reset that never completes is in progress: not ready until {@link #recover()}. */
    private volatile boolean neverReady;

    /**
     * @param notReady    how long the GPU stays not ready after each reset (ZERO = never not ready)
     * @param nanoClock   monotonic time in nanoseconds (System::nanoTime in production)
     */
    public ResetTiming(Duration notReady, LongSupplier nanoClock) {
        if (notReady.isNegative()) {
            throw new IllegalArgumentException("negative not-ready time: " + notReady);
        }
        this.nanoClock = nanoClock;
        this.notReadyNanos = notReady.toNanos();
        this.readyAt = nanoClock.getAsLong();
    }

    /** A reset started now: not ready until now + the configured time. */
    public void reset() {
        readyAt = nanoClock.getAsLong() + notReadyNanos;
        if (failNext) {
            failNext = false;
            neverReady = true;
        }
    }

    /** Makes the next reset one that never completes: readiness stays "not ready" until {@link #recover()}. */
    public void failNextReset() {
        failNext = true;
    }

    /**
     * Drops a reset failure that is armed or in progress; a stuck GPU is ready again at once.
     *
     * @return whether there was one
     */
    public boolean recover() {
        boolean had = failNext || neverReady;
        failNext = false;
        neverReady = false;
        return had;
    }

    /** Whether the next reset is armed to fail. */
    public boolean failureArmed() {
        return failNext;
    }

    /** Not ready until {@code duration} from now (power-on without trained memory, for probe tests). */
    public void notReadyFor(Duration duration) {
        readyAt = nanoClock.getAsLong() + duration.toNanos();
    }

    /** Nanoseconds until ready (0 when ready): what a migration carries, to resume the wait on the destination. */
    public long remainingNanos() {
        return Math.max(0, readyAt - nanoClock.getAsLong());
    }

    /** Not ready for the migrated remaining time from now. */
    public void resumeRemaining(long nanos) {
        readyAt = nanoClock.getAsLong() + nanos;
    }

    public boolean ready() {
        return !neverReady && nanoClock.getAsLong() - readyAt >= 0;
    }
}
