package dev.jvfio.nvgrace;

import java.time.Duration;

/** Time for the readiness poll (NV-7), injectable so tests never really wait 30 seconds. */
public interface ReadinessClock {
    long nanoTime();

    void sleep(Duration duration) throws InterruptedException;

    /** The real clock and {@link Thread#sleep}. */
    ReadinessClock SYSTEM = new ReadinessClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            Thread.sleep(duration);
        }
    };
}
