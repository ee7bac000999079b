package dev.jvfio.migration;

import dev.jvfio.client.ClientMigration;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.MigrationState;
import dev.jvfio.units.ByteSize;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * Moves a device's state from a source server to a destination server the way a VMM's VFIO
 * migration code does (VU-10): the destination goes to RESUMING; the source goes to PRE_COPY when
 * asked and offered, and its stream flows to the destination while it runs, round after round until
 * the rest (MIG_DATA_SIZE) fits the downtime limit; then the source goes to STOP_COPY, the rest of
 * the stream flows until a short read, the source goes to STOP and the destination to RUNNING,
 * which checks and applies what it received. The server walks every state change it is asked for.
 *
 * <p>Nothing here reads the stream or the device's regions: any server that follows the protocol
 * can be migrated (and tested) with it. If a step fails after the source left RUNNING, the source
 * is asked back to RUNNING, as QEMU does, and the failure names the server, the step and its errno.
 */
public final class Migrator {
    /** Progress is reported this often during a long phase. */
    private static final long PROGRESS_NANOS = 1_000_000_000L;

    private final ClientMigration source;
    private final ClientMigration destination;
    private final MigrationPlan plan;
    private final MigrationEvents events;
    private final int chunk;

    private Migrator(VfioUserClient source, VfioUserClient destination, MigrationPlan plan, MigrationEvents events) {
        this.source = source.migration();
        this.destination = destination.migration();
        this.plan = plan;
        this.events = events;
        this.chunk = (int) Math.min(source.maxTransfer(), destination.maxTransfer());
    }

    /** Migrates the device behind {@code source} to the one behind {@code destination}. */
    public static MigrationResult migrate(
            VfioUserClient source, VfioUserClient destination, MigrationPlan plan, MigrationEvents events)
            throws MigrationFailure {
        return new Migrator(source, destination, plan, events).run();
    }

    private MigrationResult run() throws MigrationFailure {
        long setup = System.nanoTime();
        ClientMigration.Support from = support(Side.SOURCE, source);
        ClientMigration.Support to = support(Side.DESTINATION, destination);
        events.note("source offers " + offers(from) + "; destination offers " + offers(to));
        requireRunning(Side.SOURCE, source);
        requireRunning(Side.DESTINATION, destination);
        boolean preCopy = plan.preCopy() && from.preCopy();
        if (plan.preCopy() && !from.preCopy()) {
            events.note("the source does not offer PRE_COPY: stop-copy only");
        }
        set(Side.DESTINATION, destination, MigrationState.RESUMING);
        events.done(Phase.SETUP, "destination RESUMING", 0, System.nanoTime() - setup);
        boolean sourceLeftRunning = false;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(chunk);
            long preBytes = 0;
            long preNanos = 0;
            int rounds = 0;
            if (preCopy) {
                sourceLeftRunning = true;
                set(Side.SOURCE, source, MigrationState.PRE_COPY);
                long start = System.nanoTime();
                boolean sized = probe(Side.SOURCE, source, ClientMigration.MIG_DATA_SIZE);
                while (true) {
                    rounds++;
                    long roundStart = System.nanoTime();
                    long n = pump(Phase.PRE_COPY, buffer, false);
                    preBytes += n;
                    events.done(Phase.PRE_COPY, "round " + rounds, n, System.nanoTime() - roundStart);
                    if (!sized || n == 0 || rounds >= plan.maxRounds() || fitsDowntime(preBytes, start)) {
                        break;
                    }
                }
                preNanos = System.nanoTime() - start;
            }
            long stop = System.nanoTime();
            sourceLeftRunning = true;
            set(Side.SOURCE, source, MigrationState.STOP_COPY);
            long stopBytes = pump(Phase.STOP_COPY, buffer, true);
            long stopNanos = System.nanoTime() - stop;
            set(Side.SOURCE, source, MigrationState.STOP);
            events.done(Phase.STOP_COPY, "source stopped, stream read to its end", stopBytes, stopNanos);
            long resume = System.nanoTime();
            set(Side.DESTINATION, destination, MigrationState.RUNNING);
            long end = System.nanoTime();
            events.done(Phase.RESUME, "destination RUNNING", 0, end - resume);
            return new MigrationResult(preBytes, preNanos, rounds, stopBytes, stopNanos, end - stop);
        } catch (MigrationFailure f) {
            if (sourceLeftRunning) {
                recoverSource();
            }
            throw f;
        }
    }

    /**
     * Whether the rest of the stream (MIG_DATA_SIZE) would move within the downtime limit at the
     * rate precopy has had so far.
     */
    private boolean fitsDowntime(long movedBytes, long since) throws MigrationFailure {
        long rest;
        try {
            rest = source.stopCopyLength();
        } catch (IOException | VfioUserException e) {
            throw failure(Side.SOURCE, "GET MIG_DATA_SIZE", e);
        }
        double bytesPerNano = movedBytes / (double) Math.max(1, System.nanoTime() - since);
        double expected = bytesPerNano > 0 ? rest / bytesPerNano : Double.MAX_VALUE;
        boolean fits = expected <= plan.maxDowntime().toNanos();
        events.note(String.format(
                Locale.ROOT,
                "%s left for stop-copy, about %.1f ms at the precopy rate: %s",
                new ByteSize(Math.max(0, rest)).human(),
                expected / 1e6,
                fits ? "within the downtime limit" : "another round"));
        return fits;
    }

    /**
     * Reads the source's stream and writes each chunk to the destination: in STOP_COPY until a short
     * read (the end), in PRE_COPY until a 0-byte read (nothing more for now). Returns the bytes moved.
     */
    private long pump(Phase phase, MemorySegment buffer, boolean toTheEnd) throws MigrationFailure {
        long start = System.nanoTime();
        long reported = start;
        long total = 0;
        while (true) {
            int n;
            try {
                n = source.read(buffer);
            } catch (IOException | VfioUserException e) {
                throw failure(Side.SOURCE, "MIG_DATA_READ after " + total + " bytes", e);
            }
            if (n > 0) {
                try {
                    destination.write(buffer.asSlice(0, n));
                } catch (IOException | VfioUserException e) {
                    throw failure(Side.DESTINATION, "MIG_DATA_WRITE after " + total + " bytes", e);
                }
                total += n;
            }
            if (toTheEnd ? n < buffer.byteSize() : n == 0) {
                return total;
            }
            long now = System.nanoTime();
            if (now - reported >= PROGRESS_NANOS) {
                events.progress(phase, total, now - start);
                reported = now;
            }
        }
    }

    private static ClientMigration.Support support(Side side, ClientMigration m) throws MigrationFailure {
        ClientMigration.Support s;
        try {
            s = m.support();
        } catch (IOException | VfioUserException e) {
            throw failure(side, "GET MIGRATION (can the device migrate?)", e);
        }
        if (!s.stopCopy()) {
            throw new MigrationFailure(side, "GET MIGRATION", 0, "the device does not offer STOP_COPY", null);
        }
        return s;
    }

    private static String offers(ClientMigration.Support s) {
        return "STOP_COPY" + (s.preCopy() ? " PRE_COPY" : "") + (s.p2p() ? " P2P" : "");
    }

    private static void requireRunning(Side side, ClientMigration m) throws MigrationFailure {
        MigrationState s;
        try {
            s = m.state();
        } catch (IOException | VfioUserException e) {
            throw failure(side, "GET MIG_DEVICE_STATE", e);
        }
        if (s != MigrationState.RUNNING) {
            throw new MigrationFailure(
                    side, "GET MIG_DEVICE_STATE", 0, "the device is in " + s + ", not RUNNING", null);
        }
    }

    private static boolean probe(Side side, ClientMigration m, int feature) throws MigrationFailure {
        try {
            return m.probe(feature, true, false);
        } catch (IOException e) {
            throw failure(side, "PROBE feature " + feature, e);
        }
    }

    private static void set(Side side, ClientMigration m, MigrationState to) throws MigrationFailure {
        try {
            m.setState(to);
        } catch (IOException | VfioUserException e) {
            throw failure(side, "SET MIG_DEVICE_STATE " + to, e);
        }
    }

    /** After a failure: the source runs again (QEMU's recovery); if even that fails, say so. */
    private void recoverSource() {
        try {
            source.setState(MigrationState.RUNNING);
            events.note("source back to RUNNING");
        } catch (IOException | VfioUserException e) {
            events.note("source could not return to RUNNING: " + e.getMessage());
        }
    }

    private static MigrationFailure failure(Side side, String step, Exception e) {
        int errno = e instanceof VfioUserException v ? v.errno() : 0;
        return new MigrationFailure(side, step, errno, e.getMessage(), e);
    }
}
