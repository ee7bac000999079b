package dev.jvfio.device;

import java.util.ArrayList;
import java.util.List;

/**
 * The arcs of the migration state machine (the kernel's {@code vfio_mig_get_next_state}): which
 * transitions a device performs directly, and the path the core walks for any other request. The
 * direct arcs are RUNNING-STOP both ways, STOP-STOP_COPY both ways, STOP-RESUMING both ways,
 * RUNNING-PRE_COPY both ways and PRE_COPY-STOP_COPY; STOP_COPY to PRE_COPY is refused. Any other
 * pair is the shortest path over direct arcs that passes no saving state (PRE_COPY, STOP_COPY) on
 * the way. ERROR is never a target; only a device reset leaves it. P2P states are not offered.
 */
public final class MigrationArcs {
    private MigrationArcs() {}

    private static final MigrationState[] STATES = {
        MigrationState.STOP,
        MigrationState.RUNNING,
        MigrationState.STOP_COPY,
        MigrationState.RESUMING,
        MigrationState.PRE_COPY
    };

    /** Whether {@code from -> to} is one direct arc. */
    public static boolean direct(MigrationState from, MigrationState to) {
        return switch (from) {
            case RUNNING -> to == MigrationState.STOP || to == MigrationState.PRE_COPY;
            case STOP ->
                to == MigrationState.RUNNING || to == MigrationState.STOP_COPY || to == MigrationState.RESUMING;
            case STOP_COPY, RESUMING -> to == MigrationState.STOP;
            case PRE_COPY -> to == MigrationState.RUNNING || to == MigrationState.STOP_COPY;
            default -> false;
        };
    }

    /**
     * The next state on the way from {@code from} to {@code to}, or null when the request is refused
     * (a target that cannot be requested, a state the device does not offer, or STOP_COPY to
     * PRE_COPY). {@code preCopy} says whether the device offers PRE_COPY at all.
     */
    public static MigrationState nextHop(MigrationState from, MigrationState to, boolean preCopy) {
        if (from == to || !offered(from, preCopy) || !offered(to, preCopy)) return null;
        if (direct(from, to)) return to;
        return switch (from) {
            case STOP -> to == MigrationState.PRE_COPY ? MigrationState.RUNNING : null;
            case RUNNING -> MigrationState.STOP;
            case STOP_COPY -> to == MigrationState.PRE_COPY ? null : MigrationState.STOP;
            case RESUMING -> MigrationState.STOP;
            case PRE_COPY -> MigrationState.RUNNING;
            default -> null;
        };
    }

    /** The whole path from {@code from} to {@code to} (excluding {@code from}), or null when refused. */
    public static List<MigrationState> path(MigrationState from, MigrationState to, boolean preCopy) {
        List<MigrationState> out = new ArrayList<>();
        MigrationState at = from;
        while (at != to) {
            MigrationState next = nextHop(at, to, preCopy);
            if (next == null || out.size() > STATES.length) return null;
            out.add(next);
            at = next;
        }
        return out.isEmpty() ? null : out;
    }

    private static boolean offered(MigrationState s, boolean preCopy) {
        for (MigrationState o : STATES) {
            if (o == s) return s != MigrationState.PRE_COPY || preCopy;
        }
        return false;
    }
}
