package dev.jvfio.conform;

import dev.jvfio.protocol.Command;
import java.io.IOException;
import java.time.Duration;

/**
 * Migration requests with their replies checked (VU-7.2; vfio-user.rst DEVICE_FEATURE,
 * MIG_DATA_READ/WRITE): GET of MIGRATION and MIG_DEVICE_STATE, SET of a state (the reply echoes the
 * request, the state then reads back), and the data stream.
 */
final class MigrationOps {
    private MigrationOps() {}

    /** GET MIGRATION: the reply is the request with the u64 flags appended and argsz 16. */
    static long migrationFlags(Conversation c) throws IOException {
        int flags = Spec.FEATURE_GET | Spec.FEATURE_MIGRATION;
        byte[] p = Expect.success(
                c.call(Command.DEVICE_FEATURE, Requests.feature(16, flags, new byte[0])),
                16,
                "the GET MIGRATION reply (argsz, flags, u64 migration flags)");
        Verdict.require(Le.u32(p, 0) == 16, "GET MIGRATION reply argsz " + Le.u32(p, 0) + ", not 16");
        Verdict.require(
                (int) Le.u32(p, 4) == flags,
                "GET MIGRATION reply flags 0x" + Long.toHexString(Le.u32(p, 4)) + " differ from the request's 0x"
                        + Integer.toHexString(flags));
        return Le.u64(p, 8);
    }

    /** GET MIG_DEVICE_STATE: {@code device_state u32, data_fd u32} after argsz and flags. */
    static int state(Conversation c) throws IOException {
        int flags = Spec.FEATURE_GET | Spec.FEATURE_MIG_DEVICE_STATE;
        byte[] p = Expect.success(
                c.call(Command.DEVICE_FEATURE, Requests.feature(16, flags, new byte[0])),
                16,
                "the GET MIG_DEVICE_STATE reply (argsz, flags, device_state, data_fd)");
        Verdict.require(Le.u32(p, 0) == 16, "GET MIG_DEVICE_STATE reply argsz " + Le.u32(p, 0) + ", not 16");
        return (int) Le.u32(p, 8);
    }

    /** SET MIG_DEVICE_STATE, as sent. */
    static Conversation.Exchange trySet(Conversation c, int state) throws IOException {
        int flags = Spec.FEATURE_SET | Spec.FEATURE_MIG_DEVICE_STATE;
        return c.call(
                Command.DEVICE_FEATURE,
                Requests.feature(16, flags, Le.payload().u32(state).u32(0).toBytes()));
    }

    /** SET that must succeed: the reply echoes argsz, flags and device_state; GET then reads the state. */
    static void set(Conversation c, int from, int to) throws IOException {
        Conversation.Exchange x = trySet(c, to);
        String arc = Spec.stateName(from) + " -> " + Spec.stateName(to);
        byte[] p;
        try {
            p = Expect.success(x, 16, "the SET reply (the request echoed)");
        } catch (Verdict.Failed e) {
            throw Verdict.fail(arc + ": " + e.getMessage());
        }
        Verdict.require(
                Le.u32(p, 0) == 16
                        && (int) Le.u32(p, 4) == (Spec.FEATURE_SET | Spec.FEATURE_MIG_DEVICE_STATE)
                        && Le.u32(p, 8) == to,
                arc + ": the SET reply does not echo the request");
        int now = state(c);
        Verdict.require(now == to, arc + " succeeded but the device reports " + Spec.stateName(now));
    }

    /** MIG_DATA_READ of up to {@code size} bytes: reply argsz = 8 + size, size no more than asked. */
    static byte[] read(Conversation c, int size) throws IOException {
        byte[] p = Expect.success(c.call(Command.MIG_DATA_READ, Requests.migRead(size)));
        Verdict.require(p.length >= 8, "MIG_DATA_READ reply of " + p.length + " bytes has no argsz and size");
        long got = Le.u32(p, 4);
        Verdict.require(got <= size, "MIG_DATA_READ returned " + got + " bytes; " + size + " were asked for");
        Verdict.require(
                p.length == 8 + got,
                "MIG_DATA_READ reply says size " + got + " but carries " + (p.length - 8) + " data bytes");
        Verdict.require(Le.u32(p, 0) == 8 + got, "MIG_DATA_READ reply argsz " + Le.u32(p, 0) + ", not 8 + " + got);
        byte[] data = new byte[(int) got];
        System.arraycopy(p, 8, data, 0, data.length);
        return data;
    }

    /** DEVICE_RESET, which returns any migration state to RUNNING (VU-7.1, VU-7.2). */
    static void reset(Conversation c, Duration wait) throws IOException {
        int id = c.send(Command.DEVICE_RESET, new byte[0]);
        Expect.success(new Conversation.Exchange(id, Command.DEVICE_RESET, c.receive(wait)), 0, "a DEVICE_RESET reply");
    }
}
