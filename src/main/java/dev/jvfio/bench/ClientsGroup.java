package dev.jvfio.bench;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.protocol.RegionAccessMessage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * The clients rows: 4-byte config reads from several clients at once, each on its own device of
 * one server, their rates summed, against as many connections to the echo child (each served on
 * its own thread, as each client gets its own session thread in the server); then the same with
 * four GH200s in one serve process, one client each. Each client thread makes one read of its
 * device and one round trip of its echo connection in turn ({@link Interleaved}): with more
 * threads than CPUs the machine swings between keeping every CPU busy and halting them, which
 * changes the rate 3-6x; rounds that alternate 600 ms of each side landed in different states and
 * their paired intervals spanned 0.03-7. The clients' threads are not placed: they are more than
 * the CPUs of the machine the bench is made for.
 */
final class ClientsGroup {
    /** Clients of the sample-device rows. */
    static final List<Integer> CLIENTS = List.of(2, 4);
    /** GH200s in the one serve process of the multi-GPU row. */
    static final int GPUS = 4;
    /**
     * At least 0.85 of the echo's summed rate: below the one-client rows' 0.90 because with more
     * client threads than CPUs the server's extra CPU per message (decode, device, reply), not
     * wake-ups, sets the rate.
     */
    static final double TARGET = 0.85;

    private final Bench b;

    ClientsGroup(Bench bench) {
        this.b = bench;
    }

    void measure(Path echoSocket, long echoPid) throws IOException, VfioException {
        int most = Collections.max(CLIENTS);
        String profile = b.o.trappedProfile();
        List<Path> sockets = b.children.sockets("k", most);
        b.say("clients: starting a server with " + most + " " + profile + " devices");
        ChildJvm server;
        List<VfioUserClient> clients;
        try {
            server = b.children.serveConfig("clients", SocketGroups.devices(profile, sockets, List.of()));
            clients = b.children.awaitServe(server, sockets);
        } catch (IOException e) {
            b.notes.add("clients: the " + profile + " device could not be served (" + Text.firstLine(e.getMessage())
                    + "); the clients rows use " + Bench.FALLBACK_MEMORY + " gh200 devices");
            sockets = b.children.sockets("kg", most);
            server = b.children.serveConfig("clients", SocketGroups.devices(null, List.of(), sockets));
            clients = b.children.awaitServe(server, sockets);
        }
        try {
            for (int n : CLIENTS) {
                b.say("clients: config reads from " + n + " clients at once");
                b.rows.add(configReads(
                        "clients.config-read." + n,
                        "config read 4 B, " + n + " clients",
                        clients.subList(0, n),
                        echoSocket,
                        echoPid,
                        server.pid()));
            }
        } finally {
            Bench.closeAll(clients);
            b.children.stop(server);
        }
        List<Path> gpuSockets = b.children.sockets("m", GPUS);
        b.say("clients: starting one server with " + GPUS + " " + Bench.FALLBACK_MEMORY + " gh200 devices");
        ChildJvm gpus = b.children.serve(
                "gpus", List.of("--profile", "gh200", "--mem-size", Bench.FALLBACK_MEMORY), gpuSockets);
        List<VfioUserClient> gpuClients = b.children.awaitServe(gpus, gpuSockets);
        try {
            b.say("clients: config reads from " + GPUS + " clients, one per gh200");
            b.rows.add(configReads(
                    "clients.gpu-config-read." + GPUS,
                    "config read 4 B, " + GPUS + " gh200, 1 server",
                    gpuClients,
                    echoSocket,
                    echoPid,
                    gpus.pid()));
        } finally {
            Bench.closeAll(gpuClients);
            b.children.stop(gpus);
        }
        b.notes.add("clients: one client thread per device and one echo connection per client, all unplaced;"
                + " rates are summed over the clients");
    }

    private Row configReads(
            String id, String label, List<VfioUserClient> clients, Path echoSocket, long echoPid, long serverPid)
            throws IOException, VfioException {
        for (VfioUserClient c : clients) {
            c.busyPoll(b.o.spin());
        }
        int access = RegionAccessMessage.SIZE;
        List<EchoLane> echo =
                SocketGroups.echoLanes(Collections.nCopies(clients.size(), echoSocket), access, access + 4, b.o.spin());
        try {
            Side floor = new Side("echo", List.copyOf(echo), true);
            Side jvfio = new Side(
                    "jvfio",
                    SocketGroups.subjectLanes(clients, c -> {
                        MemorySegment buf = Arena.ofAuto().allocate(4, 4);
                        return () -> SocketGroups.expect(c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, buf), 4);
                    }),
                    true);
            Rounds rounds = b.interleave(id, floor, echoPid, jvfio, serverPid, TARGET, () -> {});
            return Rows.roundTrips(id, "clients", label, jvfio, floor, Bench.ECHO, rounds, Rows.ratioTarget(TARGET));
        } finally {
            Bench.closeAll(echo);
        }
    }
}
