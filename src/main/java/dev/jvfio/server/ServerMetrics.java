package dev.jvfio.server;

/**
 * What a {@link VfioUserServer}'s sessions do, counted for metrics: each request with its outcome
 * and time, the bytes of trapped region access and of device DMA, DMA windows, clients and resets.
 * The server knows no metrics library; an implementation turns these calls into its counters.
 *
 * <p>Called on session threads (and, for DMA, on whatever device thread moves the bytes) on the
 * request path: implementations must be quick, allocation-free and thread-safe, and must not
 * throw. With {@link #NONE} the server does not even read the clock.
 */
public interface ServerMetrics {
    /**
     * A request was served: its command ({@code dev.jvfio.protocol.Command}), 0 or the errno its
     * error reply carried, and the nanoseconds from its receipt to its reply being sent.
     */
    default void request(int command, int errno, long nanos) {}

    /** A REGION_READ returned {@code bytes} bytes (trapped access). */
    default void regionRead(long bytes) {}

    /** A REGION_WRITE or REGION_WRITE_MULTI wrote {@code bytes} bytes (trapped access). */
    default void regionWritten(long bytes) {}

    /** The device read {@code bytes} bytes of client memory (DMA). */
    default void dmaRead(long bytes) {}

    /** The device wrote {@code bytes} bytes of client memory (DMA). */
    default void dmaWritten(long bytes) {}

    /** The client mapped a DMA window of {@code bytes} bytes. */
    default void dmaMapped(long bytes) {}

    /** A DMA window of {@code bytes} bytes went away (DMA_UNMAP, or the client left). */
    default void dmaUnmapped(long bytes) {}

    /** A client session started. */
    default void clientAttached() {}

    /** A client session ended. */
    default void clientDetached() {}

    /** The client reset the device (DEVICE_RESET). */
    default void reset() {}

    /** Counts nothing. */
    ServerMetrics NONE = new ServerMetrics() {};
}
