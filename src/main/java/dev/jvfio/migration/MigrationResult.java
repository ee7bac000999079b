package dev.jvfio.migration;

/**
 * What a migration moved and how long it took.
 *
 * @param preCopyBytes   bytes moved while the source ran (0 without precopy)
 * @param preCopyNanos   time of the precopy phase
 * @param rounds         precopy rounds done
 * @param stopCopyBytes  bytes moved while the source was stopped
 * @param stopCopyNanos  time of the stop-copy phase (from the SET to STOP_COPY to the end of the stream)
 * @param downtimeNanos  from the source's stop to the destination running
 */
public record MigrationResult(
        long preCopyBytes, long preCopyNanos, int rounds, long stopCopyBytes, long stopCopyNanos, long downtimeNanos) {
    public long bytes() {
        return preCopyBytes + stopCopyBytes;
    }
}
