package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.Errno;
import dev.jvfio.device.MigrationState;
import dev.jvfio.server.MigrationServer;
import dev.jvfio.server.RecordingMigration;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code jvfio migrate} between two in-process servers of recording test devices (VU-10). */
@Timeout(120)
class MigrateCommandTest {
    byte[] state;
    MigrationServer source;
    MigrationServer destination;

    record Run(int exit, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        state = new byte[3 << 20];
        new Random(1).nextBytes(state);
        source = MigrationServer.start(new RecordingMigration(true, state).preCopyBytes(2 << 20));
        destination = MigrationServer.start(new RecordingMigration(true, new byte[0]));
    }

    @AfterEach
    void stop() throws Exception {
        source.close();
        destination.close();
    }

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    @DisplayName(
            "VU-10 jvfio migrate --precopy: each phase with bytes and time, the downtime, exit 0, the state on the destination")
    void vu10_migratePrecopy() {
        Run r = run(
                "migrate",
                "--from",
                source.socket().toString(),
                "--to",
                destination.socket().toString(),
                "--precopy",
                "--max-downtime",
                "1000");
        System.out.print(r.out());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("setup (destination RESUMING) in ")
                .contains("precopy (round 1): 2 MiB in ")
                .contains("stop-copy (source stopped, stream read to its end): ")
                .contains("resume (destination RUNNING) in ")
                .containsPattern("migrated 3\\.0 MiB: downtime [0-9.]+ ms");
        assertThat(destination.migration().applied()).isEqualTo(state);
    }

    @Test
    @DisplayName(
            "VU-10.8 jvfio migrate when the destination refuses the stream: exit 1, the side, the step and the errno name")
    void vu10_migrateFails() {
        destination.migration().failArc(MigrationState.RESUMING, MigrationState.STOP, Errno.EINVAL);
        Run r = run(
                "migrate",
                "--from",
                source.socket().toString(),
                "--to",
                destination.socket().toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(r.err())
                .contains("jvfio migrate: destination: SET MIG_DEVICE_STATE RUNNING failed: EINVAL (errno 22)");
        assertThat(r.out()).contains("source back to RUNNING");
    }

    @Test
    @DisplayName(
            "jvfio migrate: a missing server is a failure naming the side; the same socket twice and a negative downtime are usage errors")
    void migrateUsage() {
        Run missing = run("migrate", "--from", source.socket().toString(), "--to", "/nonexistent/sock");
        assertThat(missing.exit()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(missing.err()).contains("destination: cannot connect to /nonexistent/sock");
        Run same = run(
                "migrate",
                "--from",
                source.socket().toString(),
                "--to",
                source.socket().toString());
        assertThat(same.exit()).isEqualTo(Main.EXIT_USAGE);
        Run negative = run("migrate", "--from", "a", "--to", "b", "--max-downtime", "-1");
        assertThat(negative.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run("migrate").exit()).isEqualTo(Main.EXIT_USAGE);
    }
}
