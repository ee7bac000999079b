package dev.jvfio.bench;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.VfioException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The metrics row: what {@code serve --metrics} costs a trapped access. Two serve children of the
 * sample device, one with metrics on (every request counted by command, timed into the latency
 * histogram, its bytes counted), one without; each client reads 4 bytes of config space from both,
 * one read of each in turn ({@link Interleaved}): the two servers differ by a fraction of a
 * microsecond per read, and rounds that alternate 600 ms of each saw the machine's wake-up latency
 * swing more than that between rounds (five runs undecided at 0.96-1.01, intervals 0.84-1.19).
 * Counting must not slow trapped access measurably: the target is a ratio of at least 0.97.
 */
final class MetricsGroup {
    static final String OFF = "the same read from a server without --metrics, same run";
    static final double TARGET = 0.97;

    private final Bench b;

    MetricsGroup(Bench bench) {
        this.b = bench;
    }

    void measure() throws IOException, VfioException {
        List<Path> off = b.children.sockets("mo");
        List<Path> on = b.children.sockets("mm");
        b.say("metrics: two sample-device servers of " + b.o.clients() + " device" + (b.o.clients() == 1 ? "" : "s")
                + ", one with --metrics");
        ChildJvm plain = b.children.serve("metrics-off", List.of("--profile", "sample"), off);
        ChildJvm counted = null;
        List<VfioUserClient> clients = new ArrayList<>();
        try {
            counted = b.children.serve("metrics-on", List.of("--profile", "sample", "--metrics", "127.0.0.1:0"), on);
            List<VfioUserClient> offClients = b.children.awaitServe(plain, off);
            clients.addAll(offClients);
            List<VfioUserClient> onClients = b.children.awaitServe(counted, on);
            clients.addAll(onClients);
            for (VfioUserClient c : clients) {
                c.busyPoll(b.o.spin());
            }
            b.say("metrics: 4-byte config-space reads with metrics on and off");
            Side floor = new Side("metrics-off", ConfigReadLanes.of(offClients), true);
            Side subject = new Side("metrics-on", ConfigReadLanes.of(onClients), true);
            // interleaved: one setup places this thread and both servers' session threads
            Side.Setup offPlaced = ConfigReadLanes.placeServer(b.placement(), plain.pid());
            Side.Setup onPlaced = ConfigReadLanes.placeServer(b.placement(), counted.pid());
            Rounds rounds =
                    b.interleave("metrics.config-read", floor, plain.pid(), subject, counted.pid(), TARGET, () -> {
                        offPlaced.run();
                        onPlaced.run();
                    });
            b.rows.add(Rows.roundTrips(
                    "metrics.config-read",
                    "metrics",
                    "config read 4 B, --metrics on",
                    subject,
                    floor,
                    OFF,
                    rounds,
                    Rows.ratioTarget(TARGET)));
        } finally {
            Bench.closeAll(clients);
            if (counted != null) {
                b.children.stop(counted);
            }
            b.children.stop(plain);
        }
    }
}
