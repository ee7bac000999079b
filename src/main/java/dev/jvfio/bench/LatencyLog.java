package dev.jvfio.bench;

import java.util.Arrays;

/**
 * Per-operation times of one lane, kept raw in a preallocated array (recording allocates nothing).
 * Samples beyond the capacity are counted but not kept; percentiles come from the kept ones.
 */
final class LatencyLog {
    private final long[] nanos;
    private int size;
    private long dropped;

    LatencyLog(int capacity) {
        this.nanos = new long[capacity];
    }

    void add(long ns) {
        if (size < nanos.length) {
            nanos[size++] = ns;
        } else {
            dropped++;
        }
    }

    int size() {
        return size;
    }

    long dropped() {
        return dropped;
    }

    /** All kept samples of several logs, sorted. */
    static long[] merged(Iterable<LatencyLog> logs) {
        int total = 0;
        for (LatencyLog l : logs) {
            total += l.size;
        }
        long[] all = new long[total];
        int at = 0;
        for (LatencyLog l : logs) {
            System.arraycopy(l.nanos, 0, all, at, l.size);
            at += l.size;
        }
        Arrays.sort(all);
        return all;
    }

    /** The p-quantile (0..1) of sorted samples by the nearest-rank rule; NaN when there are none. */
    static double quantile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }
}
