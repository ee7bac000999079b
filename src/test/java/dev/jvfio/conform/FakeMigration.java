package dev.jvfio.conform;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A migration responder written from the specification (vfio-user.rst DEVICE_FEATURE,
 * MIG_DEVICE_STATE, MIG_DATA_READ/WRITE), for the server under the {@link MisbehavingProxy}, which
 * has no migration of its own: MIGRATION with STOP_COPY and PRE_COPY, the state machine with its
 * direct arcs and shortest paths that never pass through a saving state, and a device state of a
 * few kilobytes that must come back unchanged for RESUMING -> STOP. Each {@link Quirk} breaks one
 * rule. Its state is the device's: it survives connections, and DEVICE_RESET returns it to RUNNING.
 */
final class FakeMigration {
    /** One rule the fake breaks. */
    enum Quirk {
        PROBE_NOT_ECHOED,
        NO_STOP_COPY_FLAG,
        GET_AND_SET_ACCEPTED,
        RESET_KEEPS_STATE,
        STOP_TO_RUNNING_REFUSED,
        STOP_COPY_TO_STOP_STAYS,
        RESUMING_REJECTS_DATA,
        PRE_COPY_TO_STOP_COPY_REFUSED,
        NO_COMBINED_ARCS,
        STOP_COPY_TO_PRE_COPY_ACCEPTED,
        READ_IN_RUNNING
    }

    static final int EINVAL = 22;
    static final int STOP = 1;
    static final int RUNNING = 2;
    static final int STOP_COPY = 3;
    static final int RESUMING = 4;
    static final int PRE_COPY = 6;
    private static final Map<Integer, List<Integer>> ARCS = Map.of(
            RUNNING,
            List.of(STOP, PRE_COPY),
            STOP,
            List.of(RUNNING, STOP_COPY, RESUMING),
            STOP_COPY,
            List.of(STOP),
            RESUMING,
            List.of(STOP),
            PRE_COPY,
            List.of(RUNNING, STOP_COPY));
    /** The device state the stream carries. */
    static final byte[] DEVICE_STATE = deviceState();

    private final Set<Quirk> quirks;
    private int state = RUNNING;
    private int cursor;
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();

    FakeMigration(Quirk... quirks) {
        this.quirks = quirks.length == 0 ? EnumSet.noneOf(Quirk.class) : EnumSet.copyOf(Arrays.asList(quirks));
    }

    private static byte[] deviceState() {
        byte[] b = new byte[3000];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** The answer to a migration command, or null for anything else (DEVICE_RESET is observed, then relayed). */
    synchronized List<Frame> answer(Frame r) {
        return switch (r.command()) {
            case 13 -> {
                if (!quirks.contains(Quirk.RESET_KEEPS_STATE)) {
                    state = RUNNING;
                }
                yield null;
            }
            case 16 -> List.of(feature(r));
            case 17 -> List.of(read(r));
            case 18 -> List.of(write(r));
            default -> null;
        };
    }

    private Frame feature(Frame r) {
        if (r.payload().length < 8) {
            return r.errorReply(EINVAL);
        }
        int flags = (int) r.u32(4);
        int feature = flags & 0xFFFF;
        boolean get = (flags & 1 << 16) != 0;
        boolean set = (flags & 1 << 17) != 0;
        boolean probe = (flags & 1 << 18) != 0;
        if ((flags & ~0x7FFFF) != 0
                || !get && !set && !probe
                || get && set && !probe && !quirks.contains(Quirk.GET_AND_SET_ACCEPTED)) {
            return r.errorReply(EINVAL);
        }
        if (feature != 1 && feature != 2 || feature == 1 && set) {
            return r.errorReply(EINVAL);
        }
        if (probe) {
            return r.reply(quirks.contains(Quirk.PROBE_NOT_ECHOED) ? r.putU32(0, 99) : r.payload());
        }
        if (get && feature == 1) {
            long migration = quirks.contains(Quirk.NO_STOP_COPY_FLAG) ? 4 : 1 | 4;
            return r.reply(Le.payload().u32(16).u32(flags).u64(migration).toBytes());
        }
        if (get) {
            return r.reply(
                    Le.payload().u32(16).u32(flags).u32(state).u32(0xFFFF_FFFFL).toBytes());
        }
        if (r.payload().length < 16) {
            return r.errorReply(EINVAL);
        }
        int to = (int) r.u32(8);
        return transition(to) ? r.reply(r.payload()) : r.errorReply(EINVAL);
    }

    /** Moves to {@code to} along the shortest path with no saving state inside it; false if refused. */
    private boolean transition(int to) {
        if (!ARCS.containsKey(to)) {
            return false;
        }
        if (to == state) {
            return true;
        }
        if (state == STOP_COPY && to == PRE_COPY) { // explicitly not allowed, whatever the path
            if (!quirks.contains(Quirk.STOP_COPY_TO_PRE_COPY_ACCEPTED)) {
                return false;
            }
            state = PRE_COPY;
            return true;
        }
        List<Integer> path = path(state, to);
        if (path == null || path.size() > 1 && quirks.contains(Quirk.NO_COMBINED_ARCS)) {
            return false;
        }
        for (int next : path) {
            if (!arc(state, next)) {
                return false;
            }
        }
        return true;
    }

    private boolean arc(int from, int to) {
        if (from == STOP && to == RUNNING && quirks.contains(Quirk.STOP_TO_RUNNING_REFUSED)
                || from == PRE_COPY && to == STOP_COPY && quirks.contains(Quirk.PRE_COPY_TO_STOP_COPY_REFUSED)) {
            return false;
        }
        if (from == STOP_COPY && to == STOP && quirks.contains(Quirk.STOP_COPY_TO_STOP_STAYS)) {
            return true;
        }
        if (from == RESUMING
                && to == STOP
                && (quirks.contains(Quirk.RESUMING_REJECTS_DATA)
                        || !Arrays.equals(written.toByteArray(), DEVICE_STATE))) {
            return false;
        }
        if (to == STOP_COPY && from != PRE_COPY || to == PRE_COPY) {
            cursor = 0;
        }
        if (to == RESUMING) {
            written.reset();
        }
        state = to;
        return true;
    }

    /** Breadth-first over the direct arcs; saving states only at the ends. */
    private static List<Integer> path(int from, int to) {
        Map<Integer, Integer> previous = new HashMap<>();
        ArrayDeque<Integer> queue = new ArrayDeque<>(List.of(from));
        previous.put(from, from);
        while (!queue.isEmpty()) {
            int at = queue.poll();
            if (at == to) {
                ArrayDeque<Integer> path = new ArrayDeque<>();
                for (int s = to; s != from; s = previous.get(s)) {
                    path.addFirst(s);
                }
                return List.copyOf(path);
            }
            if (at != from && (at == STOP_COPY || at == PRE_COPY)) {
                continue;
            }
            for (int next : ARCS.get(at)) {
                if (previous.putIfAbsent(next, at) == null) {
                    queue.add(next);
                }
            }
        }
        return null;
    }

    private Frame read(Frame r) {
        boolean saving = state == PRE_COPY || state == STOP_COPY;
        if (r.payload().length != 8 || !saving && !(state == RUNNING && quirks.contains(Quirk.READ_IN_RUNNING))) {
            return r.errorReply(EINVAL);
        }
        int size = (int) Math.min(r.u32(4), 1 << 20);
        int n = saving ? Math.min(size, DEVICE_STATE.length - cursor) : 0;
        byte[] data = Arrays.copyOfRange(DEVICE_STATE, cursor, cursor + n);
        cursor += n;
        return r.reply(Le.payload().u32(8 + n).u32(n).bytes(data).toBytes());
    }

    private Frame write(Frame r) {
        if (state != RESUMING || r.payload().length < 8 || r.payload().length != 8 + r.u32(4)) {
            return r.errorReply(EINVAL);
        }
        written.write(r.payload(), 8, r.payload().length - 8);
        return r.reply(new byte[0]);
    }
}
