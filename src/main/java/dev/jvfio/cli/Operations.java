package dev.jvfio.cli;

import dev.jvfio.daemon.ServiceManager;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.metrics.DeviceMetrics;
import dev.jvfio.metrics.MetricsEndpoint;
import dev.jvfio.server.ServerMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What {@code serve} tells the world beyond its sockets and its log: the service manager that
 * started it (READY, STATUS with devices and clients, STOPPING, the watchdog; nothing without
 * NOTIFY_SOCKET) and, with {@code --metrics}, each device's counters on the metrics endpoint.
 */
final class Operations implements AutoCloseable {
    private final ServiceManager manager;
    private final MetricsEndpoint metrics;
    private final AtomicInteger clients = new AtomicInteger();
    private volatile int devices;
    private volatile boolean ready;

    private Operations(ServiceManager manager, MetricsEndpoint metrics) {
        this.manager = manager;
        this.metrics = metrics;
    }

    /** Nothing to tell anyone (tests, embedding). */
    static Operations none() {
        return new Operations(ServiceManager.none(), null);
    }

    /** The service manager named in {@code env}, and the metrics endpoint on {@code metricsAddress} (null: none). */
    static Operations start(InetSocketAddress metricsAddress, Map<String, String> env, ServeLog log) {
        MetricsEndpoint endpoint = null;
        if (metricsAddress != null) {
            try {
                endpoint = MetricsEndpoint.start(metricsAddress);
            } catch (IOException | RuntimeException e) {
                throw new CommandFailure(
                        "--metrics: cannot listen on " + describe(metricsAddress) + ": " + e.getMessage(), e);
            }
            log.info("metrics on http://"
                    + describe(new InetSocketAddress(metricsAddress.getAddress(), endpoint.port())) + "/metrics");
        }
        return new Operations(
                ServiceManager.fromEnvironment(env, ProcessHandle.current().pid(), log::info), endpoint);
    }

    private static String describe(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The counters of a device about to be served: its events are counted from now on. */
    ServerMetrics metricsFor(String name, VfioDevice device) {
        if (metrics == null) return ServerMetrics.NONE;
        DeviceMetrics m = metrics.device(name);
        device.observe(m);
        return m;
    }

    /** The metrics endpoint's port, or -1 without one. */
    int metricsPort() {
        return metrics == null ? -1 : metrics.port();
    }

    void deviceServed() {
        devices++;
    }

    void clientAttached() {
        clients.incrementAndGet();
        status();
    }

    void clientDetached() {
        clients.decrementAndGet();
        status();
    }

    /** Every socket listens: READY=1. */
    void ready() {
        ready = true;
        manager.ready(statusLine());
    }

    void stopping() {
        manager.stopping("stopping: closing " + devices + " socket" + (devices == 1 ? "" : "s"));
    }

    private void status() {
        if (ready) manager.status(statusLine());
    }

    private String statusLine() {
        int c = clients.get();
        return "serving " + devices + " device" + (devices == 1 ? "" : "s") + ", " + c + " client" + (c == 1 ? "" : "s")
                + " attached";
    }

    @Override
    public void close() {
        if (metrics != null) metrics.close();
        manager.close();
    }
}
