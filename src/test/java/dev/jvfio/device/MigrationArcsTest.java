package dev.jvfio.device;

import static dev.jvfio.device.MigrationState.ERROR;
import static dev.jvfio.device.MigrationState.PRE_COPY;
import static dev.jvfio.device.MigrationState.RESUMING;
import static dev.jvfio.device.MigrationState.RUNNING;
import static dev.jvfio.device.MigrationState.RUNNING_P2P;
import static dev.jvfio.device.MigrationState.STOP;
import static dev.jvfio.device.MigrationState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** VU-10 the migration state machine's next hops, row by row as the kernel's table has them. */
class MigrationArcsTest {
    @ParameterizedTest(name = "VU-10 {0} -> {1}: next hop {2}")
    @CsvSource({
        "STOP,RUNNING,RUNNING",
        "STOP,STOP_COPY,STOP_COPY",
        "STOP,RESUMING,RESUMING",
        "STOP,PRE_COPY,RUNNING",
        "RUNNING,STOP,STOP",
        "RUNNING,STOP_COPY,STOP",
        "RUNNING,RESUMING,STOP",
        "RUNNING,PRE_COPY,PRE_COPY",
        "STOP_COPY,STOP,STOP",
        "STOP_COPY,RUNNING,STOP",
        "STOP_COPY,RESUMING,STOP",
        "RESUMING,STOP,STOP",
        "RESUMING,RUNNING,STOP",
        "RESUMING,STOP_COPY,STOP",
        "RESUMING,PRE_COPY,STOP",
        "PRE_COPY,STOP,RUNNING",
        "PRE_COPY,RUNNING,RUNNING",
        "PRE_COPY,STOP_COPY,STOP_COPY",
        "PRE_COPY,RESUMING,RUNNING"
    })
    void vu10_nextHop(MigrationState from, MigrationState to, MigrationState next) {
        assertThat(MigrationArcs.nextHop(from, to, true)).isEqualTo(next);
    }

    @Test
    @DisplayName(
            "VU-10 STOP_COPY -> PRE_COPY is refused; ERROR is never a target nor left but by reset; P2P is not offered")
    void vu10_refusedRequests() {
        assertThat(MigrationArcs.nextHop(STOP_COPY, PRE_COPY, true)).isNull();
        for (MigrationState s : List.of(STOP, RUNNING, STOP_COPY, RESUMING, PRE_COPY)) {
            assertThat(MigrationArcs.nextHop(s, ERROR, true)).isNull();
            assertThat(MigrationArcs.nextHop(ERROR, s, true)).isNull();
            assertThat(MigrationArcs.nextHop(s, RUNNING_P2P, true)).isNull();
            assertThat(MigrationArcs.nextHop(s, s, true)).isNull();
        }
    }

    @Test
    @DisplayName("VU-10 without PRE_COPY offered, every request for it is refused and no path passes it")
    void vu10_noPreCopy() {
        for (MigrationState s : List.of(STOP, RUNNING, STOP_COPY, RESUMING)) {
            assertThat(MigrationArcs.nextHop(s, PRE_COPY, false)).isNull();
            assertThat(MigrationArcs.nextHop(PRE_COPY, s, false)).isNull();
        }
        assertThat(MigrationArcs.path(RUNNING, STOP_COPY, false)).containsExactly(STOP, STOP_COPY);
    }

    @Test
    @DisplayName("VU-10 paths are shortest and pass no saving state as an interior node")
    void vu10_pathsAvoidSavingStates() {
        List<MigrationState> all = List.of(STOP, RUNNING, STOP_COPY, RESUMING, PRE_COPY);
        for (MigrationState from : all) {
            for (MigrationState to : all) {
                List<MigrationState> path = MigrationArcs.path(from, to, true);
                if (from == to || (from == STOP_COPY && to == PRE_COPY)) {
                    assertThat(path).as(from + "->" + to).isNull();
                    continue;
                }
                assertThat(path).as(from + "->" + to).isNotNull().hasSizeLessThanOrEqualTo(3);
                MigrationState at = from;
                for (int i = 0; i < path.size(); i++) {
                    assertThat(MigrationArcs.direct(at, path.get(i)))
                            .as(from + "->" + to + " hop " + i)
                            .isTrue();
                    if (i < path.size() - 1)
                        assertThat(path.get(i).saving()).as(from + "->" + to).isFalse();
                    at = path.get(i);
                }
            }
        }
        assertThat(MigrationArcs.path(RESUMING, PRE_COPY, true)).containsExactly(STOP, RUNNING, PRE_COPY);
    }
}
