package dev.jvfio.bench;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.VfioException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy row: what {@code jvfio trace} costs a trapped access. One server serves two sample
 * devices per client; each client reads 4 bytes of config space from one device straight (the
 * floor) and from the other through a {@code jvfio trace} child printing a line per message to
 * its log file (the subject), alternating round by round. Two socket hops instead of one and a
 * second process on the path: the target is a ratio of at least 0.45.
 */
final class ProxyGroup {
    static final String DIRECT = "the same read straight to the same server (no proxy), same run";
    static final double TARGET = 0.45;

    private final Bench b;

    ProxyGroup(Bench bench) {
        this.b = bench;
    }

    void measure() throws IOException, VfioException {
        List<Path> direct = b.children.sockets("pd");
        List<Path> proxied = b.children.sockets("pp");
        List<Path> listen = b.children.sockets("pl");
        b.say("proxy: a server with " + 2 * b.o.clients() + " sample devices and " + b.o.clients()
                + " jvfio trace child" + (b.o.clients() == 1 ? "" : "ren"));
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < direct.size(); i++) {
            devices.add(device("direct" + i, direct.get(i)));
            devices.add(device("proxied" + i, proxied.get(i)));
        }
        ChildJvm server = b.children.serveConfig("proxy-server", "{\"devices\": [" + String.join(", ", devices) + "]}");
        List<ChildJvm> traces = new ArrayList<>();
        List<VfioUserClient> clients = new ArrayList<>();
        try {
            List<VfioUserClient> straight = b.children.awaitServe(server, direct);
            clients.addAll(straight);
            List<VfioUserClient> through = new ArrayList<>();
            for (int i = 0; i < listen.size(); i++) {
                ChildJvm trace = b.children.child(
                        "trace",
                        Bench.SERVE_MAIN,
                        List.of(
                                "trace",
                                "--listen",
                                listen.get(i).toString(),
                                "--connect",
                                proxied.get(i).toString()));
                traces.add(trace);
                through.add(Children.await(trace, listen.get(i), VfioUserClient::connect));
                clients.add(through.getLast());
            }
            for (VfioUserClient c : clients) {
                c.busyPoll(b.o.spin());
            }
            b.say("proxy: 4-byte config-space reads through jvfio trace and straight");
            Side floor = new Side(
                    "direct",
                    ConfigReadLanes.of(straight),
                    true,
                    ConfigReadLanes.placeServer(b.placement(), server.pid()));
            Side subject = new Side(
                    "proxied",
                    ConfigReadLanes.of(through),
                    true,
                    ConfigReadLanes.placeServer(b.placement(), server.pid()));
            Rounds rounds = b.alternate(
                    "proxy.config-read",
                    floor,
                    server.pid(),
                    subject,
                    traces.getFirst().pid(),
                    TARGET);
            b.rows.add(Rows.roundTrips(
                    "proxy.config-read",
                    "proxy",
                    "config read 4 B via jvfio trace",
                    subject,
                    floor,
                    DIRECT,
                    rounds,
                    Rows.ratioTarget(TARGET)));
            b.notes.add("proxy: jvfio trace prints a line per message to its log file while measured; its threads"
                    + " are not placed (the client and the server session are, as in the trapped rows)");
        } finally {
            Bench.closeAll(clients);
            for (ChildJvm t : traces) {
                b.children.stop(t);
            }
            b.children.stop(server);
        }
    }

    private static String device(String name, Path socket) {
        return "{\"name\": \"" + name + "\", \"profile\": \"sample\", \"socket\": \"" + socket + "\"}";
    }
}
