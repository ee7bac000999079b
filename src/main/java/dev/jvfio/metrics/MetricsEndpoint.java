package dev.jvfio.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The metrics of a serving process over HTTP, in the Prometheus text format at {@code /metrics}
 * (the Prometheus Java client's exporter on the JDK's HTTP server), with one {@link DeviceMetrics}
 * per served device. One thread answers scrapes: scrapes are rare and small, and a pool of
 * threads would only compete with the sessions for the CPUs.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final MetricFamilies families;
    private final HTTPServer server;
    private final ExecutorService executor;

    private MetricsEndpoint(MetricFamilies families, HTTPServer server, ExecutorService executor) {
        this.families = families;
        this.server = server;
        this.executor = executor;
    }

    /** Listens on {@code address} (port 0: any free one) and serves /metrics until closed. */
    public static MetricsEndpoint start(InetSocketAddress address) throws IOException {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        });
        MetricFamilies families = new MetricFamilies();
        try {
            HTTPServer server = HTTPServer.builder()
                    .inetAddress(address.getAddress())
                    .port(address.getPort())
                    .registry(families.registry)
                    .executorService(executor)
                    .buildAndStart();
            return new MetricsEndpoint(families, server, executor);
        } catch (IOException | RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
    }

    /** The port it listens on (the one chosen when asked for port 0). */
    public int port() {
        return server.getPort();
    }

    /** The counters of the device named {@code device}; give each device its own name. */
    public DeviceMetrics device(String device) {
        return new DeviceMetrics(families, device);
    }

    @Override
    public void close() {
        server.stop();
        executor.shutdownNow();
    }
}
