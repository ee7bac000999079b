package dev.jvfio.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Errno;
import dev.jvfio.device.MigrationState;
import dev.jvfio.server.MigrationServer;
import dev.jvfio.server.RecordingMigration;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The migration driver between two servers of recording test devices (VU-10): the arcs it makes
 * each side walk are the ones QEMU's VFIO migration code makes, the state arrives whole, and every
 * failure names its side and errno and puts the source back to RUNNING.
 */
@Timeout(120)
class MigratorTest {
    byte[] state;
    MigrationServer source;
    MigrationServer destination;
    final List<String> events = new CopyOnWriteArrayList<>();
    final MigrationEvents recorder = new MigrationEvents() {
        @Override
        public void note(String message) {
            events.add("note " + message);
        }

        @Override
        public void done(Phase phase, String what, long bytes, long nanos) {
            events.add(phase + " " + what + " " + bytes);
        }
    };

    @BeforeEach
    void start() throws Exception {
        state = new byte[5 << 20];
        new Random(24).nextBytes(state);
        source = MigrationServer.start(new RecordingMigration(true, state).preCopyBytes(4 << 20));
        destination = MigrationServer.start(new RecordingMigration(true, new byte[0]));
    }

    @AfterEach
    void stop() throws Exception {
        source.close();
        destination.close();
    }

    MigrationResult migrate(MigrationPlan plan) throws Exception {
        try (VfioUserClient s = VfioUserClient.connect(source.socket());
                VfioUserClient d = VfioUserClient.connect(destination.socket())) {
            return Migrator.migrate(s, d, plan, recorder);
        }
    }

    @Test
    @DisplayName(
            "VU-10.6 stop-copy: source RUNNING -> STOP -> STOP_COPY -> STOP, destination RUNNING -> STOP -> RESUMING -> STOP -> RUNNING; the state arrives whole")
    void vu10_stopCopy() throws Exception {
        MigrationResult r = migrate(MigrationPlan.stopCopy());
        assertThat(source.migration().arcs()).containsExactly("RUNNING->STOP", "STOP->STOP_COPY", "STOP_COPY->STOP");
        assertThat(destination.migration().arcs())
                .containsExactly("RUNNING->STOP", "STOP->RESUMING", "RESUMING->STOP", "STOP->RUNNING");
        assertThat(destination.migration().applied()).isEqualTo(state);
        assertThat(r.preCopyBytes()).isZero();
        assertThat(r.stopCopyBytes()).isEqualTo(RecordingMigration.stream(state).length);
        assertThat(r.downtimeNanos()).isPositive();
    }

    @Test
    @DisplayName(
            "VU-10.9 precopy: most of the stream moves in PRE_COPY, the rest in STOP_COPY; RUNNING -> PRE_COPY -> STOP_COPY -> STOP")
    void vu10_preCopy() throws Exception {
        MigrationResult r = migrate(MigrationPlan.preCopy(Duration.ofMillis(300)));
        assertThat(source.migration().arcs())
                .containsExactly("RUNNING->PRE_COPY", "PRE_COPY->STOP_COPY", "STOP_COPY->STOP");
        assertThat(destination.migration().applied()).isEqualTo(state);
        assertThat(r.preCopyBytes()).isEqualTo(4 << 20);
        assertThat(r.stopCopyBytes()).isEqualTo(RecordingMigration.stream(state).length - (4 << 20));
        assertThat(r.rounds()).isBetween(1, 2);
        assertThat(events).anyMatch(e -> e.startsWith("precopy round 1 " + (4 << 20)));
    }

    @Test
    @DisplayName("VU-10.3 precopy asked of a source without PRE_COPY: stop-copy, and a note says so")
    void vu10_preCopyNotOffered() throws Exception {
        source.close();
        source = MigrationServer.start(new RecordingMigration(false, state));
        migrate(MigrationPlan.preCopy(Duration.ofMillis(300)));
        assertThat(events).contains("note the source does not offer PRE_COPY: stop-copy only");
        assertThat(source.migration().arcs()).containsExactly("RUNNING->STOP", "STOP->STOP_COPY", "STOP_COPY->STOP");
        assertThat(destination.migration().applied()).isEqualTo(state);
    }

    @Test
    @DisplayName(
            "VU-10.8 the destination refuses the stream: failure on the destination with its errno; the source runs again")
    void vu10_destinationRefuses() throws Exception {
        destination.migration().failArc(MigrationState.RESUMING, MigrationState.STOP, Errno.EINVAL);
        assertThatThrownBy(() -> migrate(MigrationPlan.preCopy(Duration.ofMillis(300))))
                .isInstanceOfSatisfying(MigrationFailure.class, f -> {
                    assertThat(f.side()).isEqualTo(Side.DESTINATION);
                    assertThat(f.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(f.getMessage()).isEqualTo("destination: SET MIG_DEVICE_STATE RUNNING failed: EINVAL");
                });
        assertThat(source.migration().arcs()).endsWith("STOP_COPY->STOP", "STOP->RUNNING");
        assertThat(destination.migration().applied()).isNull();
    }

    @Test
    @DisplayName(
            "VU-10.7 the source fails to enter STOP_COPY: failure on the source with its errno; in ERROR it cannot be set back, and a note says so")
    void vu10_sourceFails() throws Exception {
        source.migration().failArc(MigrationState.STOP, MigrationState.STOP_COPY, Errno.ENOSPC);
        assertThatThrownBy(() -> migrate(MigrationPlan.stopCopy()))
                .isInstanceOfSatisfying(MigrationFailure.class, f -> {
                    assertThat(f.side()).isEqualTo(Side.SOURCE);
                    assertThat(f.errno()).isEqualTo(Errno.ENOSPC);
                });
        // in ERROR the SET back to RUNNING is refused, and that is said
        assertThat(events).anyMatch(e -> e.startsWith("note source could not return to RUNNING"));
    }

    @Test
    @DisplayName("VU-10.3 a device that cannot migrate, or one that is not RUNNING, is refused before anything moves")
    void vu10_refusedBeforeStart() throws Exception {
        try (MigrationServer none = MigrationServer.start(null);
                VfioUserClient s = VfioUserClient.connect(none.socket());
                VfioUserClient d = VfioUserClient.connect(destination.socket())) {
            assertThatThrownBy(() -> Migrator.migrate(s, d, MigrationPlan.stopCopy(), recorder))
                    .isInstanceOfSatisfying(MigrationFailure.class, f -> {
                        assertThat(f.side()).isEqualTo(Side.SOURCE);
                        assertThat(f.errno()).isEqualTo(Errno.EINVAL);
                    });
            d.migration().setState(MigrationState.STOP);
            try (VfioUserClient s2 = VfioUserClient.connect(source.socket())) {
                assertThatThrownBy(() -> Migrator.migrate(s2, d, MigrationPlan.stopCopy(), recorder))
                        .isInstanceOfSatisfying(
                                MigrationFailure.class,
                                f -> assertThat(f.getMessage())
                                        .isEqualTo(
                                                "destination: GET MIG_DEVICE_STATE failed: the device is in STOP, not RUNNING"));
            }
        }
        assertThat(source.migration().arcs()).isEmpty();
    }
}
