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
        return nanoClock.getAsLong() - readyAt >= 0;
    }
}
