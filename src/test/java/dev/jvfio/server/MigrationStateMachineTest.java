package dev.jvfio.server;

import static dev.jvfio.device.MigrationState.ERROR;
import static dev.jvfio.device.MigrationState.PRE_COPY;
import static dev.jvfio.device.MigrationState.RESUMING;
import static dev.jvfio.device.MigrationState.RUNNING;
import static dev.jvfio.device.MigrationState.STOP;
import static dev.jvfio.device.MigrationState.STOP_COPY;
import static dev.jvfio.server.MigrationMessages.SET;
import static dev.jvfio.server.MigrationMessages.call;
import static dev.jvfio.server.MigrationMessages.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.ClientMigration;
import dev.jvfio.client.RawMessage;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.Errno;
import dev.jvfio.device.MigrationArcs;
import dev.jvfio.device.MigrationState;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The migration state machine over a socket (VU-10.4 to VU-10.9): every direct arc, every path the
 * server walks, every refused request, failed arcs and ERROR, and the data stream in and out of
 * the states that allow it. The device is a {@link RecordingMigration}, which records the arcs the
 * server asks of it.
 */
@Timeout(120)
class MigrationStateMachineTest {
    static final List<MigrationState> STATES = List.of(STOP, RUNNING, STOP_COPY, RESUMING, PRE_COPY);
    static final byte[] STATE = "the device state, which only the device understands".getBytes();

    MigrationServer server;

    @BeforeEach
    void start() throws Exception {
        server = MigrationServer.start(new RecordingMigration(true, STATE));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    VfioUserClient connect() throws Exception {
        server.awaitNoClient();
        return VfioUserClient.connect(server.socket());
    }

    /** Brings the device to {@code s}; in RESUMING with a valid stream, so that leaving it succeeds. */
    static void goTo(ClientMigration m, MigrationState s) throws Exception {
        m.setState(s);
        if (s == RESUMING) {
            m.write(MemorySegment.ofArray(RecordingMigration.stream(STATE)));
        }
    }

    static Stream<Arguments> directArcs() {
        List<Arguments> out = new ArrayList<>();
        for (MigrationState from : STATES) {
            for (MigrationState to : STATES) {
                if (MigrationArcs.direct(from, to)) {
                    out.add(Arguments.of(from, to));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "VU-10.5 direct arc {0} -> {1}")
    @MethodSource("directArcs")
    void vu10_5_directArc(MigrationState from, MigrationState to) throws Exception {
        try (VfioUserClient c = connect()) {
            ClientMigration m = c.migration();
            goTo(m, from);
            server.migration().clearCalls();
            m.setState(to);
            assertThat(server.migration().arcs()).containsExactly(from + "->" + to);
            assertThat(m.state()).isEqualTo(to);
        }
    }

    static Stream<Arguments> everyPair() {
        List<Arguments> out = new ArrayList<>();
        for (MigrationState from : STATES) {
            for (MigrationState to : STATES) {
                if (from != to && !(from == STOP_COPY && to == PRE_COPY)) {
                    out.add(Arguments.of(from, to));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "VU-10.6 {0} -> {1} walks the shortest path, one arc at a time")
    @MethodSource("everyPair")
    void vu10_6_path(MigrationState from, MigrationState to) throws Exception {
        try (VfioUserClient c = connect()) {
            ClientMigration m = c.migration();
            goTo(m, from);
            server.migration().clearCalls();
            m.setState(to);
            List<String> expected = new ArrayList<>();
            MigrationState at = from;
            for (MigrationState next : MigrationArcs.path(from, to, true)) {
                expected.add(at + "->" + next);
                at = next;
            }
            assertThat(server.migration().arcs()).containsExactlyElementsOf(expected);
            assertThat(m.state()).isEqualTo(to);
        }
    }

    @Test
    @DisplayName("VU-10.5 STOP_COPY -> PRE_COPY is refused with EINVAL and the device stays in STOP_COPY")
    void vu10_5_stopCopyToPreCopyRefused() throws Exception {
        try (VfioUserClient c = connect()) {
            ClientMigration m = c.migration();
            m.setState(STOP_COPY);
            server.migration().clearCalls();
            assertThatThrownBy(() -> m.setState(PRE_COPY))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThat(server.migration().arcs()).isEmpty();
            assertThat(m.state()).isEqualTo(STOP_COPY);
        }
    }

    @ParameterizedTest(name = "VU-10.6 from {0}: ERROR, the P2P states and unknown numbers cannot be requested")
    @EnumSource(
            value = MigrationState.class,
            names = {"STOP", "RUNNING", "STOP_COPY", "RESUMING", "PRE_COPY"})
    void vu10_6_unrequestableStates(MigrationState from) throws Exception {
        try (VfioUserClient c = connect()) {
            ClientMigration m = c.migration();
            if (from != RUNNING) {
                m.setState(from);
            }
            server.migration().clearCalls();
            for (int wire : new int[] {0, 5, 7, 8, 0x7FFF_FFFF, -1}) {
                RawMessage r =
                        call(c, MigrationMessages.feature(c.nextMessageId(), SET | 2, MigrationMessages.state(wire)));
                assertThat(errno(r)).as("state %d", wire).isEqualTo(Errno.EINVAL);
            }
            assertThat(server.migration().arcs()).isEmpty();
            assertThat(m.state()).isEqualTo(from);
        }
    }

    @ParameterizedTest(name = "VU-10.6 requesting the current state {0} succeeds and does nothing")
    @EnumSource(
            value = MigrationState.class,
            names = {"STOP", "RUNNING", "STOP_COPY", "RESUMING", "PRE_COPY"})
    void vu10_6_currentState(MigrationState s) throws Exception {
        try (VfioUserClient c = connect()) {
            ClientMigration m = c.migration();
            m.setState(s);
            server.migration().clearCalls();
            m.setState(s);
            assertThat(server.migration().arcs()).isEmpty();
            assertThat(m.state()).isEqualTo(s);
        }
    }

    @Test
    @DisplayName(
            "VU-10.5 a device without PRE_COPY: the MIGRATION feature says so and every request for PRE_COPY is refused")
    void vu10_5_noPreCopy() throws Exception {
        try (MigrationServer plain = MigrationServer.start(new RecordingMigration(false, STATE));
                VfioUserClient c = VfioUserClient.connect(plain.socket())) {
            ClientMigration m = c.migration();
            assertThat(m.support()).isEqualTo(new ClientMigration.Support(true, false, false));
            for (MigrationState from : List.of(STOP, RUNNING, STOP_COPY, RESUMING)) {
                goTo(m, from);
                assertThatThrownBy(() -> m.setState(PRE_COPY))
                        .isInstanceOfSatisfying(
                                VfioUserException.class,
                                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
                assertThat(m.state()).isEqualTo(from);
            }
            plain.migration().clearCalls();
            m.setState(RUNNING);
            m.setState(STOP_COPY);
            assertThat(plain.migration().arcs())
                    .contains("RUNNING->STOP", "STOP->STOP_COPY")
                    .doesNotContain("RUNNING->PRE_COPY");
        }
    }

    @Test
    @DisplayName(
            "VU-10.7 a failed arc fails the SET with the device's errno and leaves ERROR; only DEVICE_RESET leaves it")
    void vu10_7_failedArc() throws Exception {
        server.migration().failArc(STOP, STOP_COPY, Errno.ENOSPC);
        try (VfioUserClient c = connect()) {
            ClientMigration m = c.migration();
            assertThatThrownBy(() -> m.setState(STOP_COPY))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC));
            assertThat(server.migration().arcs()).containsExactly("RUNNING->STOP", "STOP->STOP_COPY");
            assertThat(m.state()).isEqualTo(ERROR);
            for (MigrationState s : STATES) {
                assertThatThrownBy(() -> m.setState(s))
                        .isInstanceOfSatisfying(
                                VfioUserException.class,
                                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            }
            try (Arena a = Arena.ofConfined()) {
                assertThatThrownBy(() -> m.read(a.allocate(16)))
                        .isInstanceOfSatisfying(
                                VfioUserException.class,
                                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
                assertThatThrownBy(() -> m.write(a.allocate(16)))
                        .isInstanceOfSatisfying(
                                VfioUserException.class,
                                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            }
            assertThat(m.state()).isEqualTo(ERROR);
            int abandons = server.migration().abandons();
            c.reset();
            assertThat(server.migration().abandons()).isEqualTo(abandons + 1);
            assertThat(m.state()).isEqualTo(RUNNING);
            m.setState(STOP);
            assertThat(m.state()).isEqualTo(STOP);
        }
    }

    @ParameterizedTest(name = "VU-10.7 DEVICE_RESET in {0} drops the stream and returns to RUNNING")
    @EnumSource(
            value = MigrationState.class,
            names = {"STOP", "STOP_COPY", "RESUMING", "PRE_COPY"})
    void vu10_7_resetLeavesEveryState(MigrationState s) throws Exception {
        try (VfioUserClient c = connect()) {
            ClientMigration m = c.migration();
            m.setState(s);
            c.reset();
            assertThat(m.state()).isEqualTo(RUNNING);
            assertThat(server.migration().holdsStream()).isFalse();
            assertThat(server.migration().running()).isTrue();
        }
    }

    @Test
    @DisplayName(
            "VU-10.8 a corrupt, truncated or foreign stream fails RESUMING -> STOP with EINVAL; nothing is applied")
    void vu10_8_badStreamRefused() throws Exception {
        byte[] good = RecordingMigration.stream("new state".getBytes());
        byte[] corrupt = good.clone();
        corrupt[10] ^= 1;
        byte[] truncated = Arrays.copyOf(good, good.length - 3);
        byte[] foreign = "a stream of some other device".getBytes();
        for (byte[] bad : List.of(corrupt, truncated, foreign, new byte[0])) {
            try (VfioUserClient c = connect()) {
                ClientMigration m = c.migration();
                m.setState(RESUMING);
                if (bad.length > 0) {
                    m.write(MemorySegment.ofArray(bad));
                }
                assertThatThrownBy(() -> m.setState(RUNNING))
                        .isInstanceOfSatisfying(
                                VfioUserException.class,
                                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
                assertThat(server.migration().applied()).isNull();
                assertThat(server.migration().state()).isEqualTo(STATE);
                assertThat(m.state()).isEqualTo(ERROR);
            }
        }
        try (VfioUserClient c = connect()) {
            ClientMigration m = c.migration();
            m.setState(RESUMING);
            m.write(MemorySegment.ofArray(good));
            m.setState(RUNNING);
            assertThat(server.migration().applied()).isEqualTo("new state".getBytes());
        }
    }

    @ParameterizedTest(name = "VU-10.9 MIG_DATA_READ in {0} is EINVAL")
    @EnumSource(
            value = MigrationState.class,
            names = {"STOP", "RUNNING", "RESUMING"})
    void vu10_9_readInWrongState(MigrationState s) throws Exception {
        try (VfioUserClient c = connect()) {
            c.migration().setState(s);
            server.migration().clearCalls();
            RawMessage r = call(c, MigrationMessages.migData(c.nextMessageId(), false, 8 + 16, 16, new byte[0]));
            assertThat(errno(r)).isEqualTo(Errno.EINVAL);
            assertThat(server.migration().calls()).isEmpty();
        }
    }

    @ParameterizedTest(name = "VU-10.10 MIG_DATA_WRITE in {0} is EINVAL")
    @EnumSource(
            value = MigrationState.class,
            names = {"STOP", "RUNNING", "STOP_COPY", "PRE_COPY"})
    void vu10_10_writeInWrongState(MigrationState s) throws Exception {
        try (VfioUserClient c = connect()) {
            c.migration().setState(s);
            server.migration().clearCalls();
            RawMessage r = call(c, MigrationMessages.migData(c.nextMessageId(), true, 8 + 4, 4, new byte[4]));
            assertThat(errno(r)).isEqualTo(Errno.EINVAL);
            assertThat(server.migration().calls()).isEmpty();
        }
    }

    @Test
    @DisplayName("VU-10.9 STOP_COPY: the stream ends with a short read, then every read returns 0 bytes")
    void vu10_9_endOfStream() throws Exception {
        byte[] stream = RecordingMigration.stream(STATE);
        try (VfioUserClient c = connect();
                Arena a = Arena.ofConfined()) {
            ClientMigration m = c.migration();
            m.setState(STOP_COPY);
            MemorySegment buf = a.allocate(16);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int n;
            do {
                n = m.read(buf);
                got.writeBytes(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            } while (n == 16);
            assertThat(got.toByteArray()).isEqualTo(stream);
            for (int i = 0; i < 3; i++) {
                assertThat(m.read(buf)).isZero();
            }
        }
    }

    @Test
    @DisplayName("VU-10.9 PRE_COPY: a 0-byte read means nothing more for now; STOP_COPY then sends the rest")
    void vu10_9_preCopyThenStopCopy() throws Exception {
        byte[] stream = RecordingMigration.stream(STATE);
        server.migration().preCopyBytes(20);
        try (VfioUserClient c = connect();
                Arena a = Arena.ofConfined()) {
            ClientMigration m = c.migration();
            m.setState(PRE_COPY);
            MemorySegment buf = a.allocate(8);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int n;
            while ((n = m.read(buf)) > 0) {
                got.writeBytes(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
            assertThat(got.size()).isEqualTo(20);
            assertThat(m.read(buf)).isZero();
            assertThat(m.state()).isEqualTo(PRE_COPY);
            m.setState(STOP_COPY);
            assertThat(m.stopCopyLength()).isEqualTo(stream.length - 20);
            do {
                n = m.read(buf);
                got.writeBytes(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            } while (n == 8);
            assertThat(got.toByteArray()).isEqualTo(stream);
            m.setState(STOP);
        }
    }

    @Test
    @DisplayName("VU-10.9 VU-10.10 a stream read from one server and written to another restores the state there")
    void vu10_9_roundTrip() throws Exception {
        byte[] big = new byte[3 << 20];
        new Random(7).nextBytes(big);
        server.migration().state(big);
        try (MigrationServer dest = MigrationServer.start(new RecordingMigration(true, new byte[0]));
                VfioUserClient src = connect();
                VfioUserClient dst = VfioUserClient.connect(dest.socket());
                Arena a = Arena.ofConfined()) {
            dst.migration().setState(RESUMING);
            src.migration().setState(STOP_COPY);
            MemorySegment buf = a.allocate(Math.min(src.maxTransfer(), dst.maxTransfer()));
            int n;
            do {
                n = src.migration().read(buf);
                if (n > 0) {
                    dst.migration().write(buf.asSlice(0, n));
                }
            } while (n == buf.byteSize());
            src.migration().setState(STOP);
            dst.migration().setState(RUNNING);
            assertThat(dest.migration().applied()).isEqualTo(big);
            assertThat(dest.migration().arcs())
                    .containsExactly("RUNNING->STOP", "STOP->RESUMING", "RESUMING->STOP", "STOP->RUNNING");
        }
    }

    @Test
    @DisplayName("VU-10.9 a read is bounded by both sides' max_data_xfer_size (E2BIG) and needs an argsz covering it")
    void vu10_9_readBounds() throws Exception {
        try (VfioUserClient c = connect()) {
            c.migration().setState(STOP_COPY);
            long max = c.maxTransfer();
            int id = c.nextMessageId();
            assertThat(errno(call(c, MigrationMessages.migData(id, false, 8 + max + 1, max + 1, new byte[0]))))
                    .isEqualTo(Errno.E2BIG);
            assertThat(errno(call(c, MigrationMessages.migData(c.nextMessageId(), false, 8 + 15, 16, new byte[0]))))
                    .isEqualTo(Errno.EINVAL);
            assertThat(errno(call(c, MigrationMessages.migData(c.nextMessageId(), false, 8 + 16, 16, new byte[1]))))
                    .isEqualTo(Errno.EINVAL);
            RawMessage r = call(c, MigrationMessages.migData(c.nextMessageId(), false, 8 + max, max, new byte[0]));
            assertThat(errno(r)).isZero();
            int n = MigrationMessages.u32(r, 4);
            assertThat(MigrationMessages.u32(r, 0)).isEqualTo(8 + n);
            assertThat(r.payload()).hasSize(8 + n);
        }
    }
}
