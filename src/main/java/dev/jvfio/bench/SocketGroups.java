package dev.jvfio.bench;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.protocol.RegionAccessMessage;
import dev.jvfio.server.VfioUserServer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The trapped and bulk rows: round trips and transfers through the socket, each beside the echo
 * child exchanging messages of exactly the same sizes over the same transport.
 */
final class SocketGroups {
    /** Trapped round trips: at least 0.90 of the echo (the C reference server reaches about 1.0). */
    static final double TRAPPED_TARGET = 0.90;
    /** Bulk reads and writes of every size: at least 0.90 of the echo moving the same bytes. */
    static final double BULK_TARGET = 0.90;

    private final Bench b;

    private long echoPid;
    private long serverPid;

    SocketGroups(Bench bench) {
        this.b = bench;
    }

    void measure(List<Path> echoSockets, long echoPid) throws IOException, VfioException {
        List<Path> trappedSockets = b.children.sockets("t");
        List<Path> bulkSockets = b.children.sockets("b");
        String profile = b.o.trappedProfile();
        ChildJvm server;
        List<VfioUserClient> clients;
        try {
            b.say("starting a server with " + b.o.clients() + " " + profile + " and " + b.o.clients() + " "
                    + Bench.FALLBACK_MEMORY + " gh200 devices for the trapped and bulk rows");
            server = b.children.serveConfig("trapped", devices(profile, trappedSockets, bulkSockets));
            clients = b.children.awaitServe(server, concat(trappedSockets, bulkSockets));
        } catch (IOException e) {
            b.notes.add("the " + profile + " device could not be served (" + Text.firstLine(e.getMessage())
                    + "); the trapped rows use the " + Bench.FALLBACK_MEMORY + " gh200 too");
            bulkSockets = b.children.sockets("c");
            b.say("starting a server with " + Bench.FALLBACK_MEMORY + " gh200 devices only");
            server = b.children.serveConfig("bulk", devices(null, List.of(), bulkSockets));
            clients = b.children.awaitServe(server, bulkSockets);
            List<VfioUserClient> both = new ArrayList<>(clients);
            both.addAll(clients);
            clients = both;
        }
        this.echoPid = echoPid;
        this.serverPid = server.pid();
        try {
            int n = b.o.clients();
            measureTrapped(clients.subList(0, n), clients.subList(n, 2 * n), echoSockets);
        } finally {
            Bench.closeAll(clients);
            b.children.stop(server); // gone before the mapped rows, so it takes no CPU from them
        }
    }

    /** The JSON config of the trapped/bulk server (devices in socket order). */
    static String devices(String trappedProfile, List<Path> trappedSockets, List<Path> bulkSockets) {
        StringBuilder sb = new StringBuilder("{\"devices\": [");
        String sep = "";
        for (int i = 0; i < trappedSockets.size(); i++) {
            sb.append(sep)
                    .append("{\"name\": \"trapped")
                    .append(i)
                    .append("\", \"profile\": \"")
                    .append(trappedProfile)
                    .append("\", \"socket\": \"")
                    .append(trappedSockets.get(i))
                    .append("\"}");
            sep = ", ";
        }
        for (int i = 0; i < bulkSockets.size(); i++) {
            sb.append(sep)
                    .append("{\"name\": \"bulk")
                    .append(i)
                    .append("\", \"profile\": \"gh200\", \"mem-size\": \"")
                    .append(Bench.FALLBACK_MEMORY)
                    .append("\", \"socket\": \"")
                    .append(bulkSockets.get(i))
                    .append("\"}");
            sep = ", ";
        }
        return sb.append("]}").toString();
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private void measureTrapped(
            List<VfioUserClient> trappedClients, List<VfioUserClient> bulkClients, List<Path> echoSockets)
            throws IOException, VfioException {
        for (VfioUserClient c : concat(trappedClients, bulkClients)) {
            DeviceTargets.enableMemory(c);
            c.busyPoll(b.o.spin());
        }
        long max = bulkClients.getFirst().maxTransfer();
        List<Long> sizes = new ArrayList<>();
        for (long s : b.o.sizes()) {
            if (s <= max) {
                sizes.add(s);
            } else {
                b.notes.add("bulk size " + Text.size(s) + " skipped: above the negotiated max_data_xfer_size "
                        + Text.size(max));
            }
        }
        long largest = sizes.stream().mapToLong(Long::longValue).max().orElse(4);
        DeviceTargets.Access w = DeviceTargets.trappedWrite(trappedClients.getFirst());
        DeviceTargets.Access bulkAt = DeviceTargets.bulk(bulkClients.getFirst(), largest);
        b.notes.add("trapped writes: " + w.describe() + "; bulk transfers: " + bulkAt.describe());
        if (b.o.measures("trapped")) {
            trappedRows(trappedClients, echoSockets, w);
        }
        if (b.o.measures("bulk")) {
            bulkRows(bulkClients, echoSockets, sizes, bulkAt);
        }
    }

    private void trappedRows(List<VfioUserClient> trappedClients, List<Path> echoSockets, DeviceTargets.Access w)
            throws IOException, VfioException {
        int access = RegionAccessMessage.SIZE;
        b.say("trapped: 4-byte config-space reads");
        b.rows.add(trapped(
                "trapped.config-read", "config read 4 B", access, access + 4, echoSockets, trappedClients, c -> {
                    MemorySegment buf = Arena.ofAuto().allocate(4, 4);
                    return () -> expect(c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, buf), 4);
                }));
        b.say("trapped: 4-byte BAR writes");
        b.rows.add(trapped(
                "trapped.bar-write",
                "BAR" + w.region() + " write 4 B",
                access + 4,
                access,
                echoSockets,
                trappedClients,
                c -> {
                    MemorySegment buf = Arena.ofAuto().allocate(4, 4);
                    expect(c.read(w.region(), w.offset(), buf), 4); // write back what is there
                    return () -> expect(c.write(w.region(), w.offset(), buf), 4);
                }));
    }

    private void bulkRows(
            List<VfioUserClient> bulkClients, List<Path> echoSockets, List<Long> sizes, DeviceTargets.Access bulkAt)
            throws IOException, VfioException {
        int access = RegionAccessMessage.SIZE;
        for (long s : sizes) {
            int n = (int) s;
            b.say("bulk: " + Text.size(s) + " reads and writes");
            b.rows.add(bulk(
                    "bulk.read." + Text.size(s),
                    "read " + Text.size(s),
                    access,
                    access + n,
                    n,
                    echoSockets,
                    bulkClients,
                    c -> {
                        MemorySegment buf = Arena.ofAuto().allocate(n, 8);
                        return () -> expect(c.read(bulkAt.region(), bulkAt.offset(), buf), n);
                    },
                    BULK_TARGET));
            b.rows.add(bulk(
                    "bulk.write." + Text.size(s),
                    "write " + Text.size(s),
                    access + n,
                    access,
                    n,
                    echoSockets,
                    bulkClients,
                    c -> {
                        MemorySegment buf = Arena.ofAuto().allocate(n, 8);
                        return () -> expect(c.write(bulkAt.region(), bulkAt.offset(), buf), n);
                    },
                    BULK_TARGET));
        }
    }

    private Row trapped(
            String id,
            String label,
            int request,
            int reply,
            List<Path> echoSockets,
            List<VfioUserClient> clients,
            LaneFactory subject)
            throws IOException, VfioException {
        List<EchoLane> echo = echoLanes(echoSockets, request, reply);
        try {
            Side floor = new Side("echo", List.copyOf(echo), true, placeEcho());
            Side jvfio = new Side("jvfio", subjectLanes(clients, subject), true, placeServer());
            Rounds rounds = b.alternate(id, floor, echoPid, jvfio, serverPid, TRAPPED_TARGET);
            return Rows.roundTrips(
                    id, "trapped", label, jvfio, floor, Bench.ECHO, rounds, Rows.ratioTarget(TRAPPED_TARGET));
        } finally {
            Bench.closeAll(echo);
        }
    }

    private Row bulk(
            String id,
            String label,
            int request,
            int reply,
            int payload,
            List<Path> echoSockets,
            List<VfioUserClient> clients,
            LaneFactory subject,
            double minRatio)
            throws IOException, VfioException {
        List<EchoLane> echo = echoLanes(echoSockets, request, reply);
        try {
            Side floor = new Side("echo", List.copyOf(echo), false, placeEcho());
            Side jvfio = new Side("jvfio", subjectLanes(clients, subject), false, placeServer());
            Rounds rounds = b.alternate(id, floor, echoPid, jvfio, serverPid, minRatio);
            double mb = payload / 1e6;
            return Rows.row(
                    id,
                    "bulk",
                    label,
                    "MB/s",
                    true,
                    Stat.of(jvfio.rates(), true).scaled(mb),
                    Stat.of(floor.rates(), true).scaled(mb),
                    Bench.ECHO,
                    null,
                    null,
                    rounds,
                    Rows.ratioTarget(minRatio));
        } finally {
            Bench.closeAll(echo);
        }
    }

    /** Before each echo round: this thread (the client) low, the echo's connection threads high. */
    private Side.Setup placeEcho() {
        Placement p = b.placement();
        return p == null
                ? () -> {}
                : () -> {
                    p.thisThreadTo(p.lowCpu());
                    p.threadsTo(echoPid, EchoServer.CONNECTION_THREAD, p.highCpu());
                };
    }

    /** Before each subject round: this thread (the client) low, the server's session threads high. */
    private Side.Setup placeServer() {
        Placement p = b.placement();
        return p == null
                ? () -> {}
                : () -> {
                    p.thisThreadTo(p.lowCpu());
                    p.threadsTo(serverPid, VfioUserServer.SESSION_THREAD, p.highCpu());
                };
    }

    private List<EchoLane> echoLanes(List<Path> echoSockets, int request, int reply) throws IOException {
        return echoLanes(echoSockets, request, reply, b.o.spin());
    }

    /** One echo connection per socket in {@code sockets} (a socket may be listed more than once). */
    static List<EchoLane> echoLanes(List<Path> sockets, int request, int reply, boolean spin) throws IOException {
        List<EchoLane> lanes = new ArrayList<>();
        try {
            for (Path s : sockets) {
                lanes.add(EchoLane.open(s, request, reply, spin));
            }
            return lanes;
        } catch (IOException | RuntimeException e) {
            Bench.closeAll(lanes);
            throw e;
        }
    }

    /** Makes one client's {@link Op} (may talk to the server to prepare it). */
    interface LaneFactory {
        Op create(VfioUserClient client) throws IOException, VfioException;
    }

    static List<Op> subjectLanes(List<VfioUserClient> clients, LaneFactory subject) throws IOException, VfioException {
        List<Op> lanes = new ArrayList<>();
        for (VfioUserClient c : clients) {
            lanes.add(subject.create(c));
        }
        return lanes;
    }

    static void expect(int got, int wanted) throws IOException {
        if (got != wanted) {
            throw new IOException("the server transferred " + got + " of " + wanted + " bytes");
        }
    }
}
