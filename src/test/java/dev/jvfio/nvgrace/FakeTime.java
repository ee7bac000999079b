package dev.jvfio.nvgrace;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One fake clock for both the variant's readiness wait (NV-7.1) and the simulated GPU's recovery after
 * reset: sleeping advances time, so tests never really wait.
 */
final class FakeTime implements ReadinessClock, LongSupplier {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger sleeps = new AtomicInteger();

    @Override
    public long nanoTime() {
        return now.get();
    }

    @Override
    public long getAsLong() {
        return now.get();
    }

    @Override
    public void sleep(Duration d) {
        sleeps.incrementAndGet();
        now.addAndGet(d.toNanos());
    }

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    int sleeps() {
        return sleeps.get();
    }
}
