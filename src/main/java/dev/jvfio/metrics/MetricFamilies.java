package dev.jvfio.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The metric families of a serving process, in one Prometheus registry; every family carries a
 * {@code device} label (the served device's name), so one process serving several devices is one
 * scrape target. No exemplars: they would look for a tracing context on every increment, and the
 * request path is the one place where a nanosecond counts. The latency histogram has classic
 * buckets only, from 2 microseconds (a trapped access over the socket) to 4 seconds (a reset
 * that waits for readiness).
 */
final class MetricFamilies {
    final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter messages = Counter.builder()
            .name("jvfio_messages_total")
            .help("vfio-user requests served, by command")
            .labelNames("device", "command")
            .withoutExemplars()
            .register(registry);
    final Counter errors = Counter.builder()
            .name("jvfio_errors_total")
            .help("vfio-user requests answered with an error, by errno")
            .labelNames("device", "errno")
            .withoutExemplars()
            .register(registry);
    final Histogram latency = Histogram.builder()
            .name("jvfio_request_duration_seconds")
            .help("Time from receiving a request to sending its reply, by command")
            .labelNames("device", "command")
            .classicOnly()
            .classicExponentialUpperBounds(2e-6, 2, 22)
            .withoutExemplars()
            .register(registry);
    final Counter trappedBytes = Counter.builder()
            .name("jvfio_trapped_bytes_total")
            .help("Bytes of region access trapped by the server (REGION_READ, REGION_WRITE, REGION_WRITE_MULTI)")
            .labelNames("device", "direction")
            .withoutExemplars()
            .register(registry);
    final Counter dmaBytes = Counter.builder()
            .name("jvfio_dma_bytes_total")
            .help("Bytes the device moved to or from client memory (DMA): read from it, written to it")
            .labelNames("device", "direction")
            .withoutExemplars()
            .register(registry);
    final Gauge dmaWindows = Gauge.builder()
            .name("jvfio_dma_windows")
            .help("DMA windows the client holds now")
            .labelNames("device")
            .withoutExemplars()
            .register(registry);
    final Gauge dmaMappedBytes = Gauge.builder()
            .name("jvfio_dma_mapped_bytes")
            .help("Bytes of client memory in the DMA windows the client holds now")
            .labelNames("device")
            .withoutExemplars()
            .register(registry);
    final Counter dmaMaps = Counter.builder()
            .name("jvfio_dma_maps_total")
            .help("DMA windows mapped")
            .labelNames("device")
            .withoutExemplars()
            .register(registry);
    final Counter copies = Counter.builder()
            .name("jvfio_copy_engine_copies_total")
            .help("Copies the device's DMA copy engine finished, by result")
            .labelNames("device", "result")
            .withoutExemplars()
            .register(registry);
    final Counter copyBytes = Counter.builder()
            .name("jvfio_copy_engine_bytes_total")
            .help("Bytes the device's DMA copy engine copied")
            .labelNames("device")
            .withoutExemplars()
            .register(registry);
    final Counter interrupts = Counter.builder()
            .name("jvfio_interrupts_total")
            .help("Interrupts the device signalled to the client's eventfds, by kind")
            .labelNames("device", "kind")
            .withoutExemplars()
            .register(registry);
    final Counter resets = Counter.builder()
            .name("jvfio_resets_total")
            .help("Device resets asked for by the client (DEVICE_RESET)")
            .labelNames("device")
            .withoutExemplars()
            .register(registry);
    final Gauge clients = Gauge.builder()
            .name("jvfio_clients")
            .help("Clients attached now (0 or 1 per device)")
            .labelNames("device")
            .withoutExemplars()
            .register(registry);
    final Counter connections = Counter.builder()
            .name("jvfio_client_sessions_total")
            .help("Client sessions started")
            .labelNames("device")
            .withoutExemplars()
            .register(registry);
}
