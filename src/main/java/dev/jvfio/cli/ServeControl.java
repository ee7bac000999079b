package dev.jvfio.cli;

import dev.jvfio.control.ControlHandler;
import dev.jvfio.control.ControlServer;
import dev.jvfio.control.ServedDevice;
import dev.jvfio.device.DeviceStatus;
import dev.jvfio.device.FaultInjection;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.server.ClientStatus;
import dev.jvfio.server.ServerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Wires a serve process's devices to the control socket ({@code jvfio ctl}) and to the graceful stop
 * on SIGTERM/SIGINT ({@link GracefulStop}); the logic is in {@code dev.jvfio.control}.
 */
final class ServeControl implements Endpoint {
    /** Default --detach-timeout. */
    static final Duration DEFAULT_DETACH_TIMEOUT = Duration.ofSeconds(30);

    private final ControlServer server;

    private ServeControl(ControlServer server) {
        this.server = server;
    }

    /** One served device as the control package sees it. */
    record Served(DeviceSpec spec, VfioDevice device, Endpoint endpoint) implements ServedDevice {
        @Override
        public String name() {
            return spec.name();
        }

        @Override
        public String profile() {
            return spec.profile();
        }

        @Override
        public Path socket() {
            return spec.socket();
        }

        @Override
        public Optional<ClientStatus> client() {
            return endpoint.client();
        }

        @Override
        public DeviceStatus status() {
            return device.status();
        }

        @Override
        public FaultInjection faults() {
            return device.faults();
        }

        @Override
        public boolean request(int count) {
            return device.request(count);
        }

        @Override
        public Optional<Path> qmp() {
            return Optional.ofNullable(spec.qmp());
        }
    }

    /** The control socket: --control, else control.sock beside the first device's socket. */
    static Path controlPath(Path option, List<DeviceSpec> specs) {
        return option != null
                ? option.toAbsolutePath().normalize()
                : specs.getFirst().socket().resolveSibling("control.sock");
    }

    /**
     * Starts the control socket for the devices served and installs the graceful stop; the returned
     * endpoint closes the control socket.
     */
    static ServeControl start(
            Path controlOption,
            List<DeviceSpec> specs,
            List<VfioDevice> devices,
            List<Endpoint> endpoints,
            SocketPolicy policy,
            ServeLog log,
            Duration detachTimeout) {
        List<ServedDevice> served = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            served.add(new Served(specs.get(i), devices.get(i), endpoints.get(i)));
        }
        Path path = controlPath(controlOption, specs);
        Set<Integer> uids = new TreeSet<>(ServerOptions.defaults().allowedUids());
        uids.addAll(policy.extraUids());
        ControlHandler handler = new ControlHandler(served, detachTimeout, log::info);
        ControlServer server = null;
        try {
            server = ControlServer.start(path, uids, handler, log::info);
        } catch (IOException e) {
            if (controlOption != null) {
                throw new CommandFailure(
                        "cannot listen on the control socket " + path + ": " + e.getMessage()
                                + " (choose another with --control)",
                        e);
            }
            // several serves may share a socket directory: the first one keeps the default control socket
            log.info(
                    "no control socket: " + path + ": " + e.getMessage() + " (give this serve its own with --control)");
        }
        GracefulStop.install(served, detachTimeout, log);
        if (server == null) {
            return new ServeControl(null);
        }
        boolean found = path.equals(SocketPaths.directory(System.getenv()).resolve("control.sock"));
        log.info("control socket " + path + " ('jvfio ctl" + (found ? "" : " --control " + path) + " status')");
        return new ServeControl(server);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
