package dev.jvfio.conform;

import dev.jvfio.protocol.Command;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Migration (VU-7.2; vfio-user.rst "VFIO_USER_DEVICE_FEATURE", "VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE",
 * "VFIO_USER_MIG_DATA_READ/WRITE"), checked only where DEVICE_FEATURE PROBE finds MIGRATION: the
 * probe and GET replies, the direct arcs, the combined ones, the refused ones, the data stream in
 * the saving and resuming states and its refusal elsewhere. Each check starts from and ends with a
 * DEVICE_RESET, which returns the device to RUNNING.
 */
final class MigrationChecks {
    private MigrationChecks() {}

    static final String FEATURE = "vfio-user.rst: VFIO_USER_DEVICE_FEATURE";
    static final String STATES = "vfio-user.rst: VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE";
    static final String DATA = "vfio-user.rst: VFIO_USER_MIG_DATA_READ, VFIO_USER_MIG_DATA_WRITE";
    /** The most device state one check reads; a larger stream is not written back. */
    static final int MAX_STREAM = 64 << 20;

    static List<Check> checks() {
        return List.of(
                new Check(
                        "VU-7.2/probe",
                        FEATURE,
                        "PROBE of MIGRATION (GET) succeeds and echoes the request; PROBE of SET on it fails",
                        c -> migrating(c, MigrationChecks::probe)),
                new Check(
                        "VU-7.2/migration-flags",
                        FEATURE + " (VFIO_DEVICE_FEATURE_MIGRATION)",
                        "GET MIGRATION: argsz 16, STOP_COPY set, no undefined flags",
                        c -> migrating(c, MigrationChecks::flags)),
                new Check(
                        "VU-7.2/feature-requests-refused",
                        FEATURE,
                        "GET with SET (without PROBE), an unknown feature, and SET of MIGRATION are refused",
                        c -> migrating(c, MigrationChecks::refusedRequests)),
                new Check(
                        "VU-7.2/reset-to-running",
                        STATES,
                        "DEVICE_RESET returns the device to RUNNING",
                        c -> migrating(c, MigrationChecks::resetToRunning)),
                new Check(
                        "VU-7.2/arcs-running-stop",
                        STATES + " (Direct State Transitions)",
                        "RUNNING -> STOP -> RUNNING",
                        c -> migrating(c, MigrationChecks::runningStop)),
                new Check(
                        "VU-7.2/arcs-stop-copy",
                        STATES + " (Direct State Transitions), " + DATA,
                        "STOP -> STOP_COPY, the state read to its end, STOP_COPY -> STOP",
                        c -> migrating(c, MigrationChecks::stopCopy)),
                new Check(
                        "VU-7.2/arcs-resuming",
                        STATES + " (Direct State Transitions), " + DATA,
                        "STOP -> RESUMING, the saved state written back, RESUMING -> STOP -> RUNNING",
                        c -> migrating(c, MigrationChecks::resuming)),
                new Check(
                        "VU-7.2/arcs-pre-copy",
                        STATES + " (Direct State Transitions)",
                        "RUNNING -> PRE_COPY -> RUNNING and PRE_COPY -> STOP_COPY, where PRE_COPY is advertised",
                        c -> migrating(c, MigrationChecks::preCopy)),
                new Check(
                        "VU-7.2/combined-arcs",
                        STATES + " (Complex State Transitions)",
                        "RUNNING -> STOP_COPY, STOP_COPY -> RUNNING and RUNNING -> RESUMING in one SET each",
                        c -> migrating(c, MigrationChecks::combined)),
                new Check(
                        "VU-7.2/refused-arcs",
                        STATES,
                        "ERROR, P2P and undefined states, unadvertised PRE_COPY and STOP_COPY -> PRE_COPY are refused; the state stays",
                        c -> migrating(c, MigrationChecks::refusedArcs)),
                new Check(
                        "VU-7.2/mig-data-wrong-state",
                        DATA,
                        "MIG_DATA_READ outside PRE_COPY/STOP_COPY and MIG_DATA_WRITE outside RESUMING are refused",
                        c -> migrating(c, MigrationChecks::dataInWrongStates)));
    }

    @FunctionalInterface
    private interface Steps {
        String run(Conversation s, Facts.Migration m, Context c) throws IOException;
    }

    /** Runs {@code steps} from a fresh reset on a device that advertises migration, and resets after. */
    private static String migrating(Context c, Steps steps) throws IOException {
        Facts.Migration m = c.migration();
        Conversation s = c.session();
        try {
            MigrationOps.reset(s, c.settings().reset());
            return steps.run(s, m, c);
        } finally {
            try {
                MigrationOps.reset(s, c.settings().reset());
            } catch (IOException | Verdict.Failed e) {
                // the check has its outcome; the runner resets again at the end
            }
        }
    }

    private static String probe(Conversation s, Facts.Migration m, Context c) throws IOException {
        byte[] request =
                Requests.feature(8, Spec.FEATURE_PROBE | Spec.FEATURE_GET | Spec.FEATURE_MIGRATION, new byte[0]);
        byte[] p = Expect.success(s.call(Command.DEVICE_FEATURE, request));
        Verdict.require(
                Arrays.equals(p, request),
                "the PROBE reply does not echo the request: " + HexFormat.of().formatHex(p));
        Expect.refused(
                s.call(
                        Command.DEVICE_FEATURE,
                        Requests.feature(
                                8, Spec.FEATURE_PROBE | Spec.FEATURE_SET | Spec.FEATURE_MIGRATION, new byte[0])),
                "PROBE of SET on MIGRATION, which has no SET");
        byte[] state = Requests.feature(
                8,
                Spec.FEATURE_PROBE | Spec.FEATURE_GET | Spec.FEATURE_SET | Spec.FEATURE_MIG_DEVICE_STATE,
                new byte[0]);
        Verdict.require(
                Arrays.equals(Expect.success(s.call(Command.DEVICE_FEATURE, state)), state),
                "the PROBE of GET and SET on MIG_DEVICE_STATE does not succeed with the request echoed");
        return "MIGRATION and MIG_DEVICE_STATE probed";
    }

    private static String flags(Conversation s, Facts.Migration m, Context c) throws IOException {
        long flags = MigrationOps.migrationFlags(s);
        Verdict.require(
                (flags & Spec.MIGRATION_STOP_COPY) != 0,
                "migration flags 0x" + Long.toHexString(flags) + " lack STOP_COPY, which the specification requires");
        long known = Spec.MIGRATION_STOP_COPY | Spec.MIGRATION_P2P | Spec.MIGRATION_PRE_COPY;
        Verdict.require(
                (flags & ~known) == 0,
                "migration flag bits 0x" + Long.toHexString(flags & ~known) + " the specification does not define");
        return "flags 0x" + Long.toHexString(flags);
    }

    private static String refusedRequests(Conversation s, Facts.Migration m, Context c) throws IOException {
        Refusals r = new Refusals(s);
        r.expect(
                        Command.DEVICE_FEATURE,
                        Requests.feature(
                                16,
                                Spec.FEATURE_GET | Spec.FEATURE_SET | Spec.FEATURE_MIG_DEVICE_STATE,
                                Le.payload().u32(Spec.STATE_STOP).u32(0).toBytes()),
                        "DEVICE_FEATURE with GET and SET but no PROBE")
                .expect(
                        Command.DEVICE_FEATURE,
                        Requests.feature(16, Spec.FEATURE_GET | 0x7FFF, new byte[0]),
                        "GET of the undefined feature 0x7fff")
                .expect(
                        Command.DEVICE_FEATURE,
                        Requests.feature(
                                16,
                                Spec.FEATURE_SET | Spec.FEATURE_MIGRATION,
                                Le.payload().u64(Spec.MIGRATION_STOP_COPY).toBytes()),
                        "SET of MIGRATION");
        requireState(s, Spec.STATE_RUNNING, "after the refused requests");
        return r.summary();
    }

    private static String resetToRunning(Conversation s, Facts.Migration m, Context c) throws IOException {
        requireState(s, Spec.STATE_RUNNING, "after DEVICE_RESET");
        MigrationOps.set(s, Spec.STATE_RUNNING, Spec.STATE_STOP);
        MigrationOps.reset(s, c.settings().reset());
        requireState(s, Spec.STATE_RUNNING, "after DEVICE_RESET in STOP");
        return "RUNNING after reset, also from STOP";
    }

    private static String runningStop(Conversation s, Facts.Migration m, Context c) throws IOException {
        MigrationOps.set(s, Spec.STATE_RUNNING, Spec.STATE_STOP);
        MigrationOps.set(s, Spec.STATE_STOP, Spec.STATE_RUNNING);
        return "RUNNING -> STOP -> RUNNING";
    }

    private static String stopCopy(Conversation s, Facts.Migration m, Context c) throws IOException {
        Stream saved = save(s);
        MigrationOps.set(s, Spec.STATE_STOP, Spec.STATE_RUNNING);
        return saved.describe();
    }

    /** RUNNING -> STOP -> STOP_COPY, the stream read, STOP_COPY -> STOP. */
    private static Stream save(Conversation s) throws IOException {
        MigrationOps.set(s, Spec.STATE_RUNNING, Spec.STATE_STOP);
        MigrationOps.set(s, Spec.STATE_STOP, Spec.STATE_STOP_COPY);
        Stream saved = readToEnd(s);
        MigrationOps.set(s, Spec.STATE_STOP_COPY, Spec.STATE_STOP);
        return saved;
    }

    /** The device state as read in a saving state, and whether its end was reached. */
    private record Stream(byte[] data, boolean complete, int reads) {
        String describe() {
            return data.length + " bytes of device state in " + reads + (reads == 1 ? " read" : " reads")
                    + (complete ? "" : " (not all read)");
        }
    }

    /** MIG_DATA_READ until a read returns fewer bytes than asked (the end), at most {@link #MAX_STREAM}. */
    private static Stream readToEnd(Conversation s) throws IOException {
        int chunk = (int) s.caps().maxTransfer() - 64;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int reads = 0;
        while (out.size() < MAX_STREAM) {
            byte[] got = MigrationOps.read(s, chunk);
            reads++;
            out.writeBytes(got);
            if (got.length < chunk) {
                return new Stream(out.toByteArray(), true, reads);
            }
        }
        return new Stream(out.toByteArray(), false, reads);
    }

    private static String resuming(Conversation s, Facts.Migration m, Context c) throws IOException {
        Stream saved = save(s);
        MigrationOps.set(s, Spec.STATE_STOP, Spec.STATE_RESUMING);
        int chunk = (int) s.caps().maxTransfer() - 64;
        for (int at = 0; at < saved.data().length; at += chunk) {
            byte[] part = Arrays.copyOfRange(saved.data(), at, Math.min(saved.data().length, at + chunk));
            Expect.success(s.call(Command.MIG_DATA_WRITE, Requests.migWrite(part)), 0, "a MIG_DATA_WRITE reply (none)");
        }
        if (!saved.complete()) {
            throw Verdict.skip("the device state is larger than " + MAX_STREAM + " bytes; not written back");
        }
        MigrationOps.set(s, Spec.STATE_RESUMING, Spec.STATE_STOP);
        MigrationOps.set(s, Spec.STATE_STOP, Spec.STATE_RUNNING);
        return saved.describe() + " written back";
    }

    private static String preCopy(Conversation s, Facts.Migration m, Context c) throws IOException {
        if (!m.preCopy()) {
            throw Verdict.skip("the device does not advertise PRE_COPY");
        }
        MigrationOps.set(s, Spec.STATE_RUNNING, Spec.STATE_PRE_COPY);
        MigrationOps.read(s, 4096);
        MigrationOps.set(s, Spec.STATE_PRE_COPY, Spec.STATE_RUNNING);
        MigrationOps.set(s, Spec.STATE_RUNNING, Spec.STATE_PRE_COPY);
        MigrationOps.set(s, Spec.STATE_PRE_COPY, Spec.STATE_STOP_COPY);
        Stream rest = readToEnd(s);
        MigrationOps.set(s, Spec.STATE_STOP_COPY, Spec.STATE_STOP);
        MigrationOps.set(s, Spec.STATE_STOP, Spec.STATE_RUNNING);
        return "PRE_COPY arcs; " + rest.describe() + " in STOP_COPY";
    }

    private static String combined(Conversation s, Facts.Migration m, Context c) throws IOException {
        MigrationOps.set(s, Spec.STATE_RUNNING, Spec.STATE_STOP_COPY);
        MigrationOps.set(s, Spec.STATE_STOP_COPY, Spec.STATE_RUNNING);
        MigrationOps.set(s, Spec.STATE_RUNNING, Spec.STATE_RESUMING);
        return "3 combined arcs";
    }

    private static String refusedArcs(Conversation s, Facts.Migration m, Context c) throws IOException {
        int refused = 0;
        refused += refuseArc(s, Spec.STATE_RUNNING, Spec.STATE_ERROR);
        refused += refuseArc(s, Spec.STATE_RUNNING, 8);
        refused += refuseArc(s, Spec.STATE_RUNNING, 0xFFFF_FFFF);
        if (!m.p2p()) {
            refused += refuseArc(s, Spec.STATE_RUNNING, Spec.STATE_RUNNING_P2P);
            refused += refuseArc(s, Spec.STATE_RUNNING, Spec.STATE_PRE_COPY_P2P);
        }
        if (!m.preCopy()) {
            refused += refuseArc(s, Spec.STATE_RUNNING, Spec.STATE_PRE_COPY);
        } else {
            MigrationOps.set(s, Spec.STATE_RUNNING, Spec.STATE_STOP);
            MigrationOps.set(s, Spec.STATE_STOP, Spec.STATE_STOP_COPY);
            refused += refuseArc(s, Spec.STATE_STOP_COPY, Spec.STATE_PRE_COPY);
        }
        return refused + " arcs refused, the state unchanged";
    }

    private static int refuseArc(Conversation s, int from, int to) throws IOException {
        String arc = Spec.stateName(from) + " -> " + Spec.stateName(to);
        Expect.refused(MigrationOps.trySet(s, to), "the arc " + arc);
        requireState(s, from, "after the refused arc " + arc);
        return 1;
    }

    private static String dataInWrongStates(Conversation s, Facts.Migration m, Context c) throws IOException {
        Refusals r = new Refusals(s);
        byte[] junk = new byte[8];
        r.expect(Command.MIG_DATA_READ, Requests.migRead(64), "MIG_DATA_READ in RUNNING")
                .expect(Command.MIG_DATA_WRITE, Requests.migWrite(junk), "MIG_DATA_WRITE in RUNNING");
        MigrationOps.set(s, Spec.STATE_RUNNING, Spec.STATE_STOP);
        r.expect(Command.MIG_DATA_READ, Requests.migRead(64), "MIG_DATA_READ in STOP")
                .expect(Command.MIG_DATA_WRITE, Requests.migWrite(junk), "MIG_DATA_WRITE in STOP");
        MigrationOps.set(s, Spec.STATE_STOP, Spec.STATE_STOP_COPY);
        r.expect(Command.MIG_DATA_WRITE, Requests.migWrite(junk), "MIG_DATA_WRITE in STOP_COPY");
        MigrationOps.set(s, Spec.STATE_STOP_COPY, Spec.STATE_STOP);
        MigrationOps.set(s, Spec.STATE_STOP, Spec.STATE_RESUMING);
        r.expect(Command.MIG_DATA_READ, Requests.migRead(64), "MIG_DATA_READ in RESUMING");
        return r.summary();
    }

    private static void requireState(Conversation s, int want, String when) throws IOException {
        int now = MigrationOps.state(s);
        Verdict.require(
                now == want, "the device is in " + Spec.stateName(now) + " " + when + ", not " + Spec.stateName(want));
    }
}
