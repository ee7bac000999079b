package dev.jvfio.cli;

import dev.jvfio.device.VfioDevice;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import dev.jvfio.transport.PeerCredentials;
import dev.jvfio.transport.SocketAccess;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;

/** Connects a device to the vfio-user server (package dev.jvfio.server) and its events to the log. */
final class ServerWiring implements Endpoint.Starter {
    /** One for all the devices this process serves: the limits it guards are the process's. */
    private final dev.jvfio.server.MappingBudget budget = dev.jvfio.server.MappingBudget.ofThisProcess();

    @Override
    public Endpoint start(DeviceSpec spec, VfioDevice device, SocketPolicy policy, ServeLog log) throws IOException {
        ServerOptions options = ServerOptions.defaults().withListener(new LogListener(spec.name(), log));
        if (policy.groupId() != null) options = options.withAccess(SocketAccess.group(policy.groupId()));
        if (!policy.extraUids().isEmpty()) {
            Set<Integer> uids = new TreeSet<>(options.allowedUids());
            uids.addAll(policy.extraUids());
            options = options.withAllowedUids(uids);
        }
        VfioUserServer server;
        try {
            server = VfioUserServer.start(spec.socket(), device, options, budget);
        } catch (IOException e) {
            throw new CommandFailure(spec.name() + ": cannot listen on " + spec.socket() + ": " + e.getMessage(), e);
        }
        return new Endpoint() {
            @Override
            public void close() {
                server.close();
            }

            @Override
            public java.util.Optional<dev.jvfio.server.ClientStatus> client() {
                return server.client();
            }
        };
    }

    /** Server events as log lines naming the device and the peer process. */
    record LogListener(String device, ServeLog log) implements ServerListener {
        private static String who(PeerCredentials p) {
            return p == null ? "client" : "client pid " + p.pid() + " uid " + p.uid();
        }

        @Override
        public void connected(PeerCredentials peer) {
            log.event(device, who(peer) + " connected");
        }

        @Override
        public void disconnected(PeerCredentials peer, String reason) {
            log.event(device, who(peer) + " disconnected (" + reason + ")");
        }

        @Override
        public void refused(PeerCredentials peer, String reason) {
            log.event(device, who(peer) + " refused: " + reason);
        }

        @Override
        public void reset() {
            log.event(device, "device reset by the client");
        }

        @Override
        public void error(String message) {
            log.event(device, "request failed: " + message);
        }
    }
}
