package dev.jvfio.nvgrace;

/**
 * How usemem's BAR size is derived when an uncached carve-out is taken (reference NV-2.4).
 * The two rules differ only when {@code size - 1 GiB} lies strictly between a power of two P and
 * P + 512 MiB: the first driver rounded down to 512 MiB first and so reported a BAR of P.
 */
public enum CarveRule {
    /** Linux 6.10 and later: BAR size from the unrounded length, then round the length down. */
    CURRENT,
    /** Linux 6.9, the first release: round the length down to 512 MiB, then size the BAR from it. */
    LINUX_6_9
}
