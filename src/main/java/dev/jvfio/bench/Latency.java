package dev.jvfio.bench;

/** Round-trip latency percentiles in microseconds over all measured operations of one side. */
public record Latency(double p50Micros, double p99Micros, long samples) {
    static Latency of(long[] sortedNanos) {
        return new Latency(
                LatencyLog.quantile(sortedNanos, 0.50) / 1e3,
                LatencyLog.quantile(sortedNanos, 0.99) / 1e3,
                sortedNanos.length);
    }
}
