package dev.jvfio.cli;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.migration.MigrationEvents;
import dev.jvfio.migration.MigrationFailure;
import dev.jvfio.migration.MigrationPlan;
import dev.jvfio.migration.MigrationResult;
import dev.jvfio.migration.Migrator;
import dev.jvfio.migration.Phase;
import dev.jvfio.units.ByteSize;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Wires {@code jvfio migrate} to {@link Migrator}: two client connections, a plan, printed phases. */
@Command(
        name = "migrate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Move a device's migration state from one vfio-user server to another.",
        description = {
            "Connects to both servers as a client (no VM may be attached to either) and migrates as a",
            "VMM does with vfio-user migration v2: the destination goes to RESUMING; the source goes to",
            "PRE_COPY (with --precopy, if it offers it) and then STOP_COPY, its data stream flows to the",
            "destination until its end, the source stops and the destination runs. Prints each phase",
            "with bytes and time, and progress on long transfers. Knows nothing of the stream's format:",
            "works against any server that follows the protocol. On failure the source is asked back to",
            "RUNNING and the exit code is 1, with the server and its errno named."
        })
final class MigrateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--from", paramLabel = "SOCK", required = true, description = "Socket of the source server.")
    Path from;

    @Option(names = "--to", paramLabel = "SOCK", required = true, description = "Socket of the destination server.")
    Path to;

    @Option(
            names = "--precopy",
            description = "Use PRE_COPY when the source offers it (most data moves while it runs).")
    boolean precopy;

    @Option(
            names = "--max-downtime",
            paramLabel = "MS",
            description =
                    "With --precopy: do precopy rounds until the rest is expected to move within MS (default: 300).")
    long maxDowntimeMs = MigrationPlan.DEFAULT_DOWNTIME.toMillis();

    @Override
    public Integer call() {
        PathArgs.requireSocket("--from", from);
        PathArgs.requireSocket("--to", to);
        if (maxDowntimeMs < 0) {
            throw new UsageError("--max-downtime must not be negative");
        }
        if (from.toAbsolutePath().normalize().equals(to.toAbsolutePath().normalize())) {
            throw new UsageError("--from and --to name the same socket");
        }
        PrintWriter out = spec.commandLine().getOut();
        MigrationPlan plan = new MigrationPlan(precopy, Duration.ofMillis(maxDowntimeMs), MigrationPlan.DEFAULT_ROUNDS);
        try (VfioUserClient source = connect(from, "source");
                VfioUserClient destination = connect(to, "destination")) {
            MigrationResult r = Migrator.migrate(source, destination, plan, new Printer(out));
            out.println("migrated " + bytes(r.bytes()) + ": downtime " + ms(r.downtimeNanos())
                    + " (source stopped to destination running)");
            out.flush();
            return 0;
        } catch (MigrationFailure f) {
            out.flush();
            throw new CommandFailure(f.getMessage() + (f.errno() != 0 ? " (errno " + f.errno() + ")" : ""), f);
        }
    }

    private static VfioUserClient connect(Path socket, String side) {
        try {
            return VfioUserClient.connect(socket);
        } catch (IOException e) {
            throw new CommandFailure(
                    side + ": cannot connect to " + socket + ": " + e.getMessage()
                            + " (is a server running there, and no other client attached?)",
                    e);
        }
    }

    static String bytes(long n) {
        return new ByteSize(n).human();
    }

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    static String rate(long bytes, long nanos) {
        return nanos <= 0 ? "" : ", " + bytes(Math.round(bytes / (nanos / 1e9))) + "/s";
    }

    /** One line a phase, a progress line a second during long transfers. */
    private record Printer(PrintWriter out) implements MigrationEvents {
        @Override
        public void note(String message) {
            out.println("  " + message);
            out.flush();
        }

        @Override
        public void progress(Phase phase, long bytes, long nanos) {
            out.println("  " + phase + ": " + bytes(bytes) + " so far, " + ms(nanos) + rate(bytes, nanos));
            out.flush();
        }

        @Override
        public void done(Phase phase, String what, long bytes, long nanos) {
            String moved = phase == Phase.PRE_COPY || phase == Phase.STOP_COPY ? ": " + bytes(bytes) + " in " : " in ";
            out.println(phase + " (" + what + ")" + moved + ms(nanos) + (bytes > 0 ? rate(bytes, nanos) : ""));
            out.flush();
        }
    }
}
