package dev.jvfio.cli;

import dev.jvfio.device.MigrationState;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.server.ClientStatus;
import dev.jvfio.server.MappingBudget;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import dev.jvfio.transport.PeerCredentials;
import dev.jvfio.transport.SocketAccess;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Connects a device to the vfio-user server (package dev.jvfio.server) and its events to the log. */
final class ServerWiring implements Endpoint.Starter {
    /** One for all the devices this process serves: the limits it guards are the process's. */
    private final MappingBudget budget = MappingBudget.ofThisProcess();

    @Override
    public Endpoint start(DeviceSpec spec, VfioDevice device, SocketPolicy policy, ServeLog log, Operations ops)
            throws IOException {
        ServerOptions options = ServerOptions.defaults()
                .withListener(new LogListener(spec.name(), log, ops))
                .withMetrics(ops.metricsFor(spec.name(), device));
        if (policy.groupId() != null) options = options.withAccess(SocketAccess.group(policy.groupId()));
        if (!policy.extraUids().isEmpty()) {
            Set<Integer> uids = new TreeSet<>(options.allowedUids());
            uids.addAll(policy.extraUids());
            options = options.withAllowedUids(uids);
        }
        if (!policy.extraGids().isEmpty()) options = options.withAllowedGids(policy.extraGids());
        VfioUserServer server;
        try {
            server = VfioUserServer.start(spec.socket(), device, options, budget);
        } catch (IOException e) {
            // the socket path cannot be used as given: in use by another server, not writable, ...
            throw new UsageError(spec.name() + ": cannot listen on --socket " + spec.socket() + ": " + Reasons.of(e));
        }
        return new Endpoint() {
            @Override
            public void close() {
                server.close();
            }

            @Override
            public Optional<ClientStatus> client() {
                return server.client();
            }
        };
    }

    /** Server events as log lines naming the device and the peer process; clients counted for the service status. */
    record LogListener(String device, ServeLog log, Operations ops) implements ServerListener {
        private static String who(PeerCredentials p) {
            return p == null ? "client" : "client pid " + p.pid() + " uid " + p.uid();
        }

        @Override
        public void connected(PeerCredentials peer) {
            log.event(device, who(peer) + " connected");
            ops.clientAttached();
        }

        @Override
        public void disconnected(PeerCredentials peer, String reason) {
            log.event(device, who(peer) + " disconnected (" + reason + ")");
            ops.clientDetached();
        }

        @Override
        public void refused(PeerCredentials peer, String reason) {
            log.warning(device, who(peer) + " refused: " + reason);
        }

        @Override
        public void reset() {
            log.event(device, "device reset by the client");
        }

        @Override
        public void error(String message) {
            log.warning(device, "request failed: " + message);
        }

        @Override
        public void migrationState(MigrationState from, MigrationState to) {
            log.event(device, "migration state " + from + " -> " + to);
        }
    }
}
