package dev.jvfio.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvfio.device.FaultInjection;
import dev.jvfio.device.VfioException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/** Carries out control requests on the served devices; every answer is one JSON object. */
public final class ControlHandler {
    private final List<ServedDevice> devices;
    private final Duration detachTimeout;
    private final Consumer<String> log;

    /**
     * @param devices       what is served
     * @param detachTimeout how long {@code unplug} waits for the client to let go (zero: it does not ask)
     * @param log           what was done, for serve's log
     */
    public ControlHandler(List<ServedDevice> devices, Duration detachTimeout, Consumer<String> log) {
        this.devices = List.copyOf(devices);
        this.detachTimeout = detachTimeout;
        this.log = log;
    }

    /** The answer to one request line; never throws for anything the line holds. */
    public ObjectNode answer(String line) {
        try {
            ControlRequest r = ControlRequest.parse(line);
            return switch (r.command()) {
                case "status" -> StatusReport.of(devices, Instant.now());
                case "unplug" -> unplug(device(r.device()));
                case "inject" -> inject(device(r.device()), r);
                default -> recover(device(r.device()));
            };
        } catch (ControlException e) {
            return error(e.getMessage());
        } catch (RuntimeException e) {
            log.accept("control request failed: " + e);
            return error("internal error: " + e.getClass().getSimpleName());
        }
    }

    static ObjectNode error(String message) {
        return ControlRequest.JSON.createObjectNode().put("ok", false).put("error", message);
    }

    private ServedDevice device(String name) throws ControlException {
        for (ServedDevice d : devices) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new ControlException("no device \"" + ControlRequest.abbreviate(name) + "\"; served: "
                + String.join(", ", devices.stream().map(ServedDevice::name).toList()));
    }

    private ObjectNode unplug(ServedDevice d) throws ControlException {
        if (d.client().isEmpty()) {
            return ok(d, "no client attached: nothing to unplug").put("detached", true);
        }
        if (detachTimeout.isZero()) {
            throw new ControlException("serve runs with --detach-timeout 0: it does not ask VMMs to let go");
        }
        log.accept(d.name() + ": unplug asked on the control socket");
        Unplugger.Outcome o = new Unplugger(detachTimeout, log)
                .unplug(List.of(d), () -> false)
                .getFirst();
        log.accept(d.name() + ": " + (o.detached() ? "detached: " : "did not detach: ") + o.message());
        return ok(d, o.message()).put("detached", o.detached());
    }

    private ObjectNode inject(ServedDevice d, ControlRequest r) throws ControlException {
        FaultInjection f = d.faults();
        if (f == null || !f.supported().contains(r.fault())) {
            throw new ControlException(d.name() + " (" + d.profile() + ") cannot simulate "
                    + r.fault().cliName()
                    + (f == null
                            ? ""
                            : "; it can: "
                                    + String.join(
                                            ", ",
                                            f.supported().stream()
                                                    .map(x -> x.cliName())
                                                    .toList())));
        }
        try {
            String what = f.inject(r.fault(), r.length());
            log.accept(d.name() + ": fault " + r.fault().cliName() + " injected: " + what);
            return ok(d, what);
        } catch (VfioException e) {
            throw new ControlException(e.getMessage());
        }
    }

    private ObjectNode recover(ServedDevice d) throws ControlException {
        FaultInjection f = d.faults();
        if (f == null) {
            throw new ControlException(d.name() + " (" + d.profile() + ") simulates no faults");
        }
        String what = f.recover();
        log.accept(d.name() + ": recover: " + what);
        return ok(d, what);
    }

    private static ObjectNode ok(ServedDevice d, String message) {
        return ControlRequest.JSON
                .createObjectNode()
                .put("ok", true)
                .put("device", d.name())
                .put("message", message);
    }
}
