package dev.jvfio.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.device.MigrationState;
import dev.jvfio.fuzz.FuzzReport;
import dev.jvfio.fuzz.Fuzzer;
import dev.jvfio.server.MigrationServer;
import dev.jvfio.server.RecordingMigration;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.transport.PeerCredentials;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fuzzer against a device that migrates (VU-10): DEVICE_FEATURE, MIG_DATA_READ/WRITE and dirty
 * logging among every other hostile message. The recording device throws an AssertionError if the
 * server ever asks it for an arc that is not direct or for data outside a stream, which ends the
 * session as an internal error; none may happen, and the state machine must be walked.
 */
@Timeout(120)
class MigrationFuzzTest {
    @Test
    @DisplayName(
            "VU-10 VU-2.2 hostile migration traffic: well-formed replies, only direct arcs asked of the device, no internal error")
    void vu10_fuzzMigration() throws Exception {
        long seed = Seeds.of(0xF0216L);
        List<String> broken = new CopyOnWriteArrayList<>();
        Set<String> arcs = ConcurrentHashMap.newKeySet();
        ServerListener listener = new ServerListener() {
            @Override
            public void error(String message) {
                if (message.contains("device threw")) {
                    broken.add(message);
                }
            }

            @Override
            public void disconnected(PeerCredentials peer, String reason) {
                if (reason.startsWith("internal error")) {
                    broken.add(reason);
                }
            }

            @Override
            public void migrationState(MigrationState from, MigrationState to) {
                arcs.add(from + "->" + to);
            }
        };
        FuzzReport.Builder report = new FuzzReport.Builder(seed);
        long seconds = Long.getLong("jvfio.fuzz.migration.seconds", 6);
        try (MigrationServer server = MigrationServer.start(
                new RecordingMigration(true, new byte[4096]),
                ServerOptions.defaults().withListener(listener))) {
            new Fuzzer(server.socket(), seed, report).run(System.nanoTime() + seconds * 1_000_000_000L);
            FuzzReport r = report.build(seconds, 0, 0, 0);
            System.out.println(r + "\nmigration arcs seen: " + arcs);
            assertThat(r.failures()).as(r.toString()).isEmpty();
            assertThat(broken).isEmpty();
            assertThat(arcs).as("arcs walked under fuzzing").hasSizeGreaterThan(3);
        }
    }
}
