package dev.jvfio.server;

import dev.jvfio.device.DeviceMigration;
import dev.jvfio.device.Errno;
import dev.jvfio.device.MigrationArcs;
import dev.jvfio.device.MigrationState;
import dev.jvfio.device.VfioException;
import dev.jvfio.protocol.DataSizeFeature;
import dev.jvfio.protocol.DeviceFeatureMessage;
import dev.jvfio.protocol.DeviceStateFeature;
import dev.jvfio.protocol.MigDataMessage;
import dev.jvfio.protocol.MigrationFeature;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Migration v2 of one session (VU-10): DEVICE_FEATURE, MIG_DATA_READ and MIG_DATA_WRITE. The
 * session owns the protocol state: the device's migration state as the client sees it, walked one
 * direct arc at a time ({@link MigrationArcs}), each arc done by the device before the reply. A
 * failed arc leaves the device in ERROR, which only DEVICE_RESET leaves. A device without
 * {@link DeviceMigration} gets every migration feature and command refused with EINVAL. The DMA
 * logging features are {@link DmaLogging}'s.
 *
 * <p>Each request fills the session's {@link Reply}.
 */
final class MigrationRequests {
    private final DeviceMigration migration;
    private final DmaLogging logging;
    private final ServerListener listener;
    private final ClientMemory memory;
    /** The largest MIG_DATA_READ: both sides' max_data_xfer_size. */
    private final long readLimit;
    /** The largest MIG_DATA_WRITE: ours. */
    private final long writeLimit;

    private final MemorySegment out;
    private final Reply reply;
    private final DeviceFeatureMessage feature = new DeviceFeatureMessage();
    private final MigDataMessage data = new MigDataMessage();
    /** Every client starts with the device RUNNING (VU-10.11). */
    private MigrationState state = MigrationState.RUNNING;

    MigrationRequests(
            DeviceMigration migration,
            ClientMemory memory,
            ServerListener listener,
            long readLimit,
            long writeLimit,
            MemorySegment out,
            Reply reply) {
        this.migration = migration;
        this.logging = new DmaLogging(memory, readLimit, out, reply);
        this.memory = memory;
        this.listener = listener;
        this.readLimit = readLimit;
        this.writeLimit = writeLimit;
        this.out = out;
        this.reply = reply;
    }

    /** The methods (GET, SET) a feature offers here; 0 for one it does not (VU-10.3). */
    private int methods(int id) {
        if (migration == null) {
            return 0;
        }
        return switch (id) {
            case DeviceFeatureMessage.MIGRATION,
                    DeviceFeatureMessage.DMA_LOGGING_REPORT,
                    DeviceFeatureMessage.MIG_DATA_SIZE -> DeviceFeatureMessage.GET;
            case DeviceFeatureMessage.MIG_DEVICE_STATE -> DeviceFeatureMessage.GET | DeviceFeatureMessage.SET;
            case DeviceFeatureMessage.DMA_LOGGING_START, DeviceFeatureMessage.DMA_LOGGING_STOP ->
                DeviceFeatureMessage.SET;
            default -> 0;
        };
    }

    /** DEVICE_FEATURE (VU-10.1 to VU-10.3). */
    Reply feature(MemorySegment m, int id) {
        int errno = feature.wrap(m);
        if (errno != 0) {
            return reply.error(errno);
        }
        int offered = methods(feature.feature());
        int asked = feature.flags() & (DeviceFeatureMessage.GET | DeviceFeatureMessage.SET);
        if (offered == 0 || (asked & ~offered) != 0) {
            return reply.error(Errno.EINVAL);
        }
        if (feature.probe()) {
            return reply.sized(DeviceFeatureMessage.encodeEcho(out, id, m));
        }
        return switch (feature.feature()) {
            case DeviceFeatureMessage.MIGRATION -> getMigration(id);
            case DeviceFeatureMessage.MIG_DEVICE_STATE -> feature.get() ? getState(id) : setState(id);
            case DeviceFeatureMessage.MIG_DATA_SIZE -> getDataSize(id);
            case DeviceFeatureMessage.DMA_LOGGING_START -> logging.start(feature, id);
            case DeviceFeatureMessage.DMA_LOGGING_STOP -> logging.stop(feature, id);
            default -> logging.report(feature, id);
        };
    }

    /**
     * Whether a GET request fits its reply of {@code size} data bytes: the request carries no data
     * or a placeholder of the reply's (libvfio-user's client sends one), and its argsz covers the
     * reply (VU-10.1).
     */
    private boolean getFits(int size) {
        long sent = feature.dataLength();
        return (sent == 0 || sent == size) && feature.argsz() >= DeviceFeatureMessage.PAYLOAD + size;
    }

    private Reply getMigration(int id) {
        if (!getFits(MigrationFeature.SIZE)) {
            return reply.error(Errno.EINVAL);
        }
        MigrationFeature.putFlags(
                out, MigrationFeature.STOP_COPY | (migration.preCopy() ? MigrationFeature.PRE_COPY : 0));
        return reply.sized(DeviceFeatureMessage.encodeReply(out, id, feature.flags(), MigrationFeature.SIZE));
    }

    private Reply getState(int id) {
        if (!getFits(DeviceStateFeature.SIZE)) {
            return reply.error(Errno.EINVAL);
        }
        DeviceStateFeature.put(out, state.wire(), DeviceStateFeature.NO_FD);
        return reply.sized(DeviceFeatureMessage.encodeReply(out, id, feature.flags(), DeviceStateFeature.SIZE));
    }

    private Reply getDataSize(int id) {
        if (!getFits(DataSizeFeature.SIZE)) {
            return reply.error(Errno.EINVAL);
        }
        DataSizeFeature.put(out, Math.max(0, migration.stopCopyLength()));
        return reply.sized(DeviceFeatureMessage.encodeReply(out, id, feature.flags(), DataSizeFeature.SIZE));
    }

    /**
     * SET MIG_DEVICE_STATE (VU-10.5 to VU-10.8): the path to the requested state, one arc at a time;
     * the reply echoes the request with data_fd 0xFFFFFFFF.
     */
    private Reply setState(int id) {
        MemorySegment m = feature.message();
        if (feature.dataLength() != DeviceStateFeature.SIZE
                || feature.argsz() < DeviceFeatureMessage.PAYLOAD + DeviceStateFeature.SIZE) {
            return reply.error(Errno.EINVAL);
        }
        MigrationState target = MigrationState.of(DeviceStateFeature.state(m));
        if (target == null || state == MigrationState.ERROR) {
            return reply.error(Errno.EINVAL);
        }
        if (target != state) {
            List<MigrationState> path = MigrationArcs.path(state, target, migration.preCopy());
            if (path == null) {
                return reply.error(Errno.EINVAL);
            }
            for (MigrationState next : path) {
                int errno = arc(next);
                if (errno != 0) {
                    return reply.error(errno);
                }
            }
        }
        int size = DeviceFeatureMessage.encodeEcho(out, id, m);
        DeviceStateFeature.put(out, state.wire(), DeviceStateFeature.NO_FD);
        return reply.sized(size);
    }

    /** One direct arc from the current state; on failure the device is in ERROR (VU-10.7). Returns 0 or an errno. */
    private int arc(MigrationState next) {
        MigrationState from = state;
        int errno;
        try {
            migration.transition(from, next);
            state = next;
            told(from, next);
            return 0;
        } catch (VfioException e) {
            errno = e.errno();
            listener.error("migration arc " + from + " -> " + next + " failed: " + e.getMessage());
        } catch (RuntimeException e) {
            errno = Errno.EIO;
            listener.error("migration arc " + from + " -> " + next + ": device threw " + e);
        }
        state = MigrationState.ERROR;
        told(from, MigrationState.ERROR);
        return errno;
    }

    private void told(MigrationState from, MigrationState to) {
        try {
            listener.migrationState(from, to);
        } catch (RuntimeException ignored) {
            // listeners must not break the server
        }
    }

    /** MIG_DATA_READ (VU-10.9): the next bytes of the saving stream. */
    Reply read(MemorySegment m, int id) throws VfioException {
        int errno = data.wrap(m, false, readLimit);
        if (errno != 0) {
            return reply.error(errno);
        }
        if (migration == null || !state.saving()) {
            return reply.error(Errno.EINVAL);
        }
        int size = (int) data.size();
        long n = migration.read(out.asSlice(MigDataMessage.DATA, size));
        if (n < 0 || n > size) {
            return reply.error(Errno.EIO);
        }
        return reply.sized(MigDataMessage.encodeReadReply(out, id, (int) n));
    }

    /** MIG_DATA_WRITE (VU-10.10): appends to the incoming stream. */
    Reply write(MemorySegment m, int id) throws VfioException {
        int errno = data.wrap(m, true, writeLimit);
        if (errno != 0) {
            return reply.error(errno);
        }
        if (migration == null || state != MigrationState.RESUMING) {
            return reply.error(Errno.EINVAL);
        }
        // The data is taken once the reply is out, still on this thread and before the next
        // message is read (the receive buffer holds it until then): a write never fails because of
        // what it carries (the stream's problems are reported at RESUMING to STOP, VU-10.10), so
        // the client need not wait for the destination to check and store it before it sends the
        // next piece.
        MemorySegment payload = data.data();
        DeviceMigration device = migration;
        memory.afterReply(() -> {
            try {
                device.write(payload);
            } catch (VfioException | RuntimeException e) {
                listener.error("device migration write failed: " + e);
            }
        });
        return reply.sized(MigDataMessage.encodeWriteReply(out, id));
    }

    /**
     * Before DEVICE_RESET: a reset leaves any migration state, ERROR included, for RUNNING and drops
     * the stream (VU-10.7).
     */
    void beforeReset() {
        abandon();
    }

    /** The client went away: the device returns to RUNNING and logging stops (VU-10.11). */
    void end() {
        logging.end();
        abandon();
    }

    private void abandon() {
        if (migration == null || state == MigrationState.RUNNING) {
            return;
        }
        MigrationState from = state;
        state = MigrationState.RUNNING;
        try {
            migration.abandon();
        } catch (RuntimeException e) {
            listener.error("device migration abandon failed: " + e);
        }
        told(from, MigrationState.RUNNING);
    }

    /** The state the client sees (for tests). */
    MigrationState state() {
        return state;
    }
}
