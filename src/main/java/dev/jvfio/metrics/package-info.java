/**
 * Metrics of a serving process in the Prometheus text format ({@code serve --metrics}): each
 * served device's {@link dev.jvfio.metrics.DeviceMetrics} implements the server's
 * {@link dev.jvfio.server.ServerMetrics} and the device's {@link dev.jvfio.device.DeviceEvents},
 * so neither the server nor the device model knows of Prometheus; the
 * {@link dev.jvfio.metrics.MetricsEndpoint} serves them over HTTP.
 */
package dev.jvfio.metrics;
