package dev.jvfio.device;

import java.lang.foreign.MemorySegment;

/**
 * A device's side of VFIO migration v2 (the kernel's {@code vfio_migration_ops} and the data fd's
 * read and write, in Java). The server owns the protocol: it validates requests, walks the state
 * machine ({@link MigrationArcs}) one direct arc at a time, calling {@link #transition} for each, and
 * moves the data stream in chunks. A device only says what each arc means for it and produces or
 * consumes its own stream, whose format it alone defines.
 *
 * <p>Every call comes from the session thread that serves the client, one at a time.
 */
public interface DeviceMigration {
    /** STOP_COPY is always offered; whether PRE_COPY is offered too. */
    boolean preCopy();

    /**
     * Performs one direct arc ({@link MigrationArcs#direct} holds for it). STOP must quiesce the
     * device (no DMA, no interrupt after it returns); entering STOP_COPY or PRE_COPY starts a new
     * saving stream; entering RESUMING starts an empty incoming stream; RESUMING to STOP applies the
     * incoming stream whole or not at all (throw with EINVAL for a foreign, truncated or corrupt
     * stream, leaving the device as it was).
     *
     * <p>Called while the client waits for the reply to its SET: an arc must not wait for device
     * work that itself waits for that reply (work a device handed to {@link DmaSpace#afterReply}), or
     * neither ends.
     * A failed arc puts the device in ERROR as the client sees it; only a reset
     * ({@link #abandon()}, then {@link VfioDevice#reset()}) leaves it.
     */
    void transition(MigrationState from, MigrationState to) throws VfioException;

    /**
     * Copies the next bytes of the saving stream into {@code dst} and returns how many. In
     * STOP_COPY, fewer than asked marks the end, after which every read returns 0. In PRE_COPY, 0
     * means "nothing more for now", not the end.
     */
    long read(MemorySegment dst) throws VfioException;

    /** Appends {@code src} to the incoming stream (state RESUMING). */
    void write(MemorySegment src) throws VfioException;

    /** The bytes the STOP_COPY phase would send if it began now (the kernel's MIG_DATA_SIZE). */
    long stopCopyLength();

    /** The client went away: drop any stream and return the device to RUNNING for the next client. */
    void abandon();
}
