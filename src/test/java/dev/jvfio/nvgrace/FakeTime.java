package dev.jvfio.nvgrace;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** One fake clock for both the variant's readiness wait and the simulated GPU: sleeping advances time. */
public final class FakeTime implements ReadinessClock, LongSupplier {
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

    public void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    public int sleeps() {
        return sleeps.get();
    }
}
