package dev.jvfio.control;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvfio.device.DeviceStatus;
import dev.jvfio.device.Fault;
import dev.jvfio.device.FaultInjection;
import dev.jvfio.server.ClientStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The answer to {@code status}: one JSON object per device (the {@code --json} output of
 * {@code jvfio ctl status}; {@link StatusText} renders it for people).
 *
 * <pre>{@code
 * {"name":"gpu0","profile":"gh200","socket":"/run/user/0/jvfio/gpu0.sock","qmp":null,
 *  "client":{"pid":4242,"uid":0,"connected-since":"2026-01-05T10:00:00Z","connected-seconds":61,
 *            "dma-windows":3,"dma-bytes":17179869184,"messages":{"REGION_READ":120,...},"errors":{}},
 *  "irqs":[{"kind":"INTx","vectors":1,"armed":0,"enabled":false,"unmask-eventfd":false},...],
 *  "resets":1,"health":"ok","counters":{"copy-engine.done":0,...},
 *  "faults":["error","fall-off-bus","stall","reset-fail"]}
 * }</pre>
 */
final class StatusReport {
    private StatusReport() {}

    static ObjectNode of(List<ServedDevice> devices, Instant now) {
        ObjectNode root = ControlRequest.JSON.createObjectNode().put("ok", true);
        ArrayNode list = root.putArray("devices");
        for (ServedDevice d : devices) {
            list.add(device(d, now));
        }
        return root;
    }

    static ObjectNode device(ServedDevice d, Instant now) {
        ObjectNode o = ControlRequest.JSON.createObjectNode();
        o.put("name", d.name());
        o.put("profile", d.profile());
        o.put("socket", d.socket().toString());
        o.put("qmp", d.qmp().map(Object::toString).orElse(null));
        ClientStatus c = d.client().orElse(null);
        if (c == null) {
            o.putNull("client");
        } else {
            ObjectNode co = o.putObject("client");
            co.put("pid", c.pid());
            co.put("uid", c.uid());
            co.put("connected-since", c.connectedSince().toString());
            co.put(
                    "connected-seconds",
                    Math.max(0, Duration.between(c.connectedSince(), now).toSeconds()));
            co.put("dma-windows", c.dmaWindows());
            co.put("dma-bytes", c.dmaBytes());
            putCounts(co.putObject("messages"), c.messages());
            putCounts(co.putObject("errors"), c.errors());
        }
        DeviceStatus s = d.status();
        ArrayNode irqs = o.putArray("irqs");
        for (DeviceStatus.IrqStatus i : s.irqs()) {
            irqs.addObject()
                    .put("kind", i.kind())
                    .put("vectors", i.vectors())
                    .put("armed", i.armed())
                    .put("enabled", i.enabled())
                    .put("unmask-eventfd", i.unmaskFd());
        }
        o.put("resets", s.resets());
        o.put("health", s.health());
        putCounts(o.putObject("counters"), s.counters());
        ArrayNode faults = o.putArray("faults");
        FaultInjection f = d.faults();
        if (f != null) {
            for (Fault x : Fault.values()) {
                if (f.supported().contains(x)) {
                    faults.add(x.cliName());
                }
            }
        }
        return o;
    }

    private static void putCounts(ObjectNode o, Map<String, Long> counts) {
        counts.forEach(o::put);
    }
}
