package dev.jvfio.metrics;

import dev.jvfio.device.DeviceEvents;
import dev.jvfio.device.Errno;
import dev.jvfio.protocol.Command;
import dev.jvfio.server.ServerMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;

/**
 * The counters of one served device: what its server's sessions report ({@link ServerMetrics})
 * and what the device reports itself ({@link DeviceEvents}). Every data point the request path
 * touches is looked up once, here, so that counting a request is a few adder increments and no
 * label lookup; commands outside the protocol's range share the label {@code other}, so a hostile
 * client cannot grow the label set.
 */
public final class DeviceMetrics implements ServerMetrics, DeviceEvents {
    /** Commands 0 .. MAX_COMMAND have a label of their own. */
    static final int MAX_COMMAND = Command.MIG_DATA_WRITE;

    private static final double NANOS_PER_SECOND = 1e9;
    /** Interrupt kinds by VFIO's PCI IRQ index (dev.jvfio.device.Vfio: INTx 0, MSI 1, MSI-X 2, ERR 3, REQ 4). */
    private static final String[] KINDS = {"intx", "msi", "msix", "err", "req"};

    private final MetricFamilies families;
    private final String device;
    private final CounterDataPoint[] messages = new CounterDataPoint[MAX_COMMAND + 2];
    private final DistributionDataPoint[] latency = new DistributionDataPoint[MAX_COMMAND + 2];
    private final CounterDataPoint trappedRead;
    private final CounterDataPoint trappedWritten;
    private final CounterDataPoint dmaRead;
    private final CounterDataPoint dmaWritten;
    private final GaugeDataPoint windows;
    private final GaugeDataPoint mappedBytes;
    private final CounterDataPoint maps;
    private final CounterDataPoint copiesDone;
    private final CounterDataPoint copiesFailed;
    private final CounterDataPoint copyBytes;
    private final CounterDataPoint[] interrupts = new CounterDataPoint[KINDS.length];
    private final CounterDataPoint resets;
    private final GaugeDataPoint clients;
    private final CounterDataPoint sessions;

    DeviceMetrics(MetricFamilies f, String device) {
        this.families = f;
        this.device = device;
        for (int c = 0; c <= MAX_COMMAND + 1; c++) {
            String name = c == 0 || c > MAX_COMMAND ? "other" : Command.name(c);
            messages[c] = f.messages.labelValues(device, name);
            latency[c] = f.latency.labelValues(device, name);
        }
        trappedRead = f.trappedBytes.labelValues(device, "read");
        trappedWritten = f.trappedBytes.labelValues(device, "write");
        dmaRead = f.dmaBytes.labelValues(device, "read");
        dmaWritten = f.dmaBytes.labelValues(device, "write");
        windows = f.dmaWindows.labelValues(device);
        mappedBytes = f.dmaMappedBytes.labelValues(device);
        maps = f.dmaMaps.labelValues(device);
        copiesDone = f.copies.labelValues(device, "done");
        copiesFailed = f.copies.labelValues(device, "error");
        copyBytes = f.copyBytes.labelValues(device);
        for (int k = 0; k < KINDS.length; k++) interrupts[k] = f.interrupts.labelValues(device, KINDS[k]);
        resets = f.resets.labelValues(device);
        clients = f.clients.labelValues(device);
        sessions = f.connections.labelValues(device);
    }

    private static int slot(int command) {
        return command > 0 && command <= MAX_COMMAND ? command : 0;
    }

    @Override
    public void request(int command, int errno, long nanos) {
        int s = slot(command);
        messages[s].inc();
        latency[s].observe(nanos / NANOS_PER_SECOND);
        if (errno != 0) {
            families.errors.labelValues(device, Errno.name(errno)).inc(); // errors are rare: the lookup is fine
        }
    }

    @Override
    public void regionRead(long bytes) {
        trappedRead.inc(bytes);
    }

    @Override
    public void regionWritten(long bytes) {
        trappedWritten.inc(bytes);
    }

    @Override
    public void dmaRead(long bytes) {
        dmaRead.inc(bytes);
    }

    @Override
    public void dmaWritten(long bytes) {
        dmaWritten.inc(bytes);
    }

    @Override
    public void dmaMapped(long bytes) {
        maps.inc();
        windows.inc();
        mappedBytes.inc(bytes);
    }

    @Override
    public void dmaUnmapped(long bytes) {
        windows.dec();
        mappedBytes.dec(bytes);
    }

    @Override
    public void clientAttached() {
        sessions.inc();
        clients.inc();
    }

    @Override
    public void clientDetached() {
        clients.dec();
    }

    @Override
    public void reset() {
        resets.inc();
    }

    @Override
    public void interrupt(int index) {
        if (index >= 0 && index < KINDS.length) interrupts[index].inc();
    }

    @Override
    public void copied(long bytes) {
        copiesDone.inc();
        copyBytes.inc(bytes);
    }

    @Override
    public void copyFailed() {
        copiesFailed.inc();
    }
}
