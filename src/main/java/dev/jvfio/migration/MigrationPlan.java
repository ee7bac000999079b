package dev.jvfio.migration;

import java.time.Duration;

/**
 * How to migrate.
 *
 * @param preCopy       use PRE_COPY when the source offers it: most of the stream moves while the
 *                      device still runs
 * @param maxDowntime   with precopy, keep doing precopy rounds until the rest (MIG_DATA_SIZE) is
 *                      expected to move within this time at the rate measured so far
 * @param maxRounds     precopy rounds at most, whatever the estimate says
 */
public record MigrationPlan(boolean preCopy, Duration maxDowntime, int maxRounds) {
    /** QEMU's default downtime limit. */
    public static final Duration DEFAULT_DOWNTIME = Duration.ofMillis(300);

    public static final int DEFAULT_ROUNDS = 30;

    public MigrationPlan {
        if (maxDowntime == null || maxDowntime.isNegative()) {
            throw new IllegalArgumentException("the downtime limit must not be negative");
        }
        if (maxRounds < 1) {
            throw new IllegalArgumentException("at least one precopy round: " + maxRounds);
        }
    }

    /** Stop-copy only. */
    public static MigrationPlan stopCopy() {
        return new MigrationPlan(false, DEFAULT_DOWNTIME, DEFAULT_ROUNDS);
    }

    /** Precopy first, with a downtime limit. */
    public static MigrationPlan preCopy(Duration maxDowntime) {
        return new MigrationPlan(true, maxDowntime, DEFAULT_ROUNDS);
    }
}
