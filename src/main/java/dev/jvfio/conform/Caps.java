package dev.jvfio.conform;

/**
 * The capabilities a server answered in VERSION (VU-3.3), with the specification's defaults for the
 * ones it left out.
 *
 * @param maxMsgFds       fds the server takes in one message (default 1)
 * @param maxDataXferSize largest count of one read or write (default 1 MiB)
 * @param maxDmaMaps      DMA windows valid at once (default 65535)
 * @param pgsizes         page sizes usable in DMA_MAP, or'ed (default 4 KiB)
 * @param writeMultiple   REGION_WRITE_MULTI accepted
 */
record Caps(long maxMsgFds, long maxDataXferSize, long maxDmaMaps, long pgsizes, boolean writeMultiple) {
    static final Caps DEFAULTS = new Caps(1, 1 << 20, 65535, 4096, false);

    /** The smallest DMA page the server accepts (the lowest bit of pgsizes), at least 4 KiB. */
    long dmaPage() {
        long lowest = Long.lowestOneBit(pgsizes);
        return Math.max(4096, lowest);
    }

    /** Largest count the checker may put in one read or write: both sides' limits. */
    long maxTransfer() {
        return Math.min(maxDataXferSize, 1 << 20);
    }
}
