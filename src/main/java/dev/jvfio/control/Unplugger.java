package dev.jvfio.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvfio.qmp.QmpClient;
import dev.jvfio.qmp.QmpException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Asks the VMMs to let devices go and waits until their clients have (docs/qemu.md, "Taking a GPU
 * away"): for each device with a client, the REQ interrupt if the client armed it (the kernel's
 * way, PCI-10.7) and {@code device_del} on the VMM's QMP socket if the operator named one (QEMU
 * then asks the guest through the slot's hotplug controller, and disconnects once the guest let
 * go). Asks again every {@link #RETRY}, as vfio-pci re-signals its request; gives up at the
 * deadline, or at once when no device left could be asked at all, and says per device why it
 * likely did not detach.
 */
public final class Unplugger {
    /** How often the request is repeated. */
    public static final Duration RETRY = Duration.ofSeconds(5);
    /** How long one QMP connect or command may take. */
    static final Duration QMP_TIMEOUT = Duration.ofSeconds(5);

    private static final long POLL_MS = 100;
    /** How long DEVICE_DELETED may lag behind the client's disconnect. */
    static final Duration EVENT_GRACE = Duration.ofSeconds(2);

    /** What became of one device. */
    /**
     * What became of one device: whether its client is gone, why (a sentence), and whether its VMM
     * was asked at all (REQ signalled or QMP device_del sent): false when there was no way to ask.
     */
    public record Outcome(String device, boolean detached, String message, boolean asked) {}

    private final Duration timeout;
    private final Consumer<String> log;

    /**
     * @param timeout how long to wait for the clients to leave (not zero: zero means "do not ask")
     * @param log     progress lines ("gpu0: device_del sent ..."), called from the waiting thread
     */
    public Unplugger(Duration timeout, Consumer<String> log) {
        this.timeout = timeout;
        this.log = log;
    }

    /** Per device: what was asked and how it went, for the reason at the end. */
    private static final class Asked {
        final ServedDevice device;
        int requests;
        boolean reqArmed;
        String qmpAccepted;
        String qmpRefused;
        String qmpUnreachable;
        boolean deletedEvent;

        Asked(ServedDevice device) {
            this.device = device;
        }
    }

    /**
     * Unplugs {@code devices}; returns when every client left, at the deadline, or once
     * {@code cancelled} says so (a second stop signal). Devices without a client count as detached.
     */
    public List<Outcome> unplug(List<ServedDevice> devices, BooleanSupplier cancelled) {
        Map<String, Asked> asked = new LinkedHashMap<>();
        for (ServedDevice d : devices) {
            if (d.client().isPresent()) {
                asked.put(d.name(), new Asked(d));
            }
        }
        Map<Path, QmpClient> qmp = new HashMap<>();
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextAsk = start;
        boolean wasCancelled = false;
        long end = start;
        try {
            while (asked.values().stream().anyMatch(a -> a.device.client().isPresent())) {
                long now = System.nanoTime();
                if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                    wasCancelled = true;
                    break;
                }
                if (now - deadline >= 0) {
                    break;
                }
                if (now - nextAsk >= 0) {
                    for (Asked a : asked.values()) {
                        if (a.device.client().isPresent()) {
                            ask(a, qmp);
                        }
                    }
                    nextAsk = now + RETRY.toNanos();
                    if (noWayToAsk(asked)) {
                        break; // nobody was asked, so nobody will let go because of us: do not wait for nothing
                    }
                }
                drainEvents(qmp, asked);
                sleep();
            }
            end = System.nanoTime();
            awaitDeletedEvents(qmp, asked);
        } finally {
            qmp.values().forEach(QmpClient::close);
        }
        List<Outcome> out = new ArrayList<>();
        long waited = Duration.ofNanos(end - start).toSeconds();
        for (ServedDevice d : devices) {
            Asked a = asked.get(d.name());
            if (a == null) {
                out.add(new Outcome(d.name(), true, "no client attached", false));
            } else if (d.client().isEmpty()) {
                out.add(new Outcome(
                        d.name(),
                        true,
                        "the client let go after " + waited + " s"
                                + (a.deletedEvent ? " (QEMU reported DEVICE_DELETED)" : ""),
                        a.reqArmed || d.qmp().isPresent()));
            } else {
                out.add(new Outcome(
                        d.name(),
                        false,
                        wasCancelled
                                ? "not waited for: stop asked again"
                                : "still attached after " + waited + " s: " + reason(a),
                        a.reqArmed || d.qmp().isPresent()));
            }
        }
        return out;
    }

    /** Whether no device still attached could be asked at all (no REQ armed, no QMP socket named). */
    private static boolean noWayToAsk(Map<String, Asked> asked) {
        return asked.values().stream()
                .filter(a -> a.device.client().isPresent())
                .allMatch(a -> !a.reqArmed && a.device.qmp().isEmpty());
    }

    private void ask(Asked a, Map<Path, QmpClient> qmp) {
        ServedDevice d = a.device;
        boolean req = d.request(a.requests);
        a.requests++;
        if (req && !a.reqArmed) {
            log.accept(d.name() + ": asked the client to release the device (REQ interrupt)");
        }
        a.reqArmed |= req;
        if (d.qmp().isEmpty()) {
            if (!req && a.requests == 1) {
                log.accept(d.name() + ": no way to ask the VMM to let go (no REQ interrupt armed, no --qmp)");
            }
            return;
        }
        Path path = d.qmp().get();
        try {
            QmpClient c = qmp.get(path);
            if (c == null) {
                c = QmpClient.connect(path, QMP_TIMEOUT);
                qmp.put(path, c);
            }
            c.deviceDel(d.name(), QMP_TIMEOUT);
            if (a.qmpAccepted == null) {
                log.accept(d.name() + ": QEMU (QMP " + path + ") accepted device_del; waiting for the guest to let go");
            }
            a.qmpAccepted = path.toString();
            a.qmpRefused = null;
            a.qmpUnreachable = null;
        } catch (QmpException e) {
            if (e.errorClass() == null) {
                unreachable(a, path, e, qmp);
            } else if (a.qmpAccepted == null) {
                if (a.qmpRefused == null) {
                    log.accept(d.name() + ": QEMU (QMP " + path + ") refused device_del: " + e.getMessage());
                }
                a.qmpRefused = e.getMessage();
            }
            // refused after accepting: the unplug is already in progress (QEMU says so); keep waiting
        } catch (IOException e) {
            unreachable(a, path, e, qmp);
        }
    }

    private void unreachable(Asked a, Path path, IOException e, Map<Path, QmpClient> qmp) {
        QmpClient c = qmp.remove(path);
        if (c != null) {
            c.close();
        }
        if (a.qmpUnreachable == null) {
            log.accept(a.device.name() + ": cannot talk to QEMU's QMP at " + path + ": " + e.getMessage());
        }
        a.qmpUnreachable = e.getMessage();
    }

    private void drainEvents(Map<Path, QmpClient> qmp, Map<String, Asked> asked) {
        for (QmpClient c : qmp.values()) {
            try {
                JsonNode e;
                while ((e = c.awaitEvent(
                                ev -> "DEVICE_DELETED".equals(ev.path("event").asText()), Duration.ZERO))
                        != null) {
                    String id = e.path("data").path("device").asText("");
                    Asked a = asked.get(id);
                    if (a != null && !a.deletedEvent) {
                        a.deletedEvent = true;
                        log.accept(id + ": QEMU reported DEVICE_DELETED");
                    }
                }
            } catch (IOException ignored) {
                // the connection ended; the next ask reconnects
            }
        }
    }

    /**
     * QEMU disconnects from the server while it removes the device and sends DEVICE_DELETED just
     * after: give the event a moment, so the log says whether QEMU finished the removal.
     */
    private void awaitDeletedEvents(Map<Path, QmpClient> qmp, Map<String, Asked> asked) {
        long until = System.nanoTime() + EVENT_GRACE.toNanos();
        while (true) {
            drainEvents(qmp, asked);
            boolean waiting = asked.values().stream()
                    .anyMatch(a -> a.qmpAccepted != null
                            && !a.deletedEvent
                            && a.device.client().isEmpty()
                            && qmp.containsKey(a.device.qmp().orElseThrow()));
            if (!waiting
                    || System.nanoTime() - until >= 0
                    || Thread.currentThread().isInterrupted()) {
                return;
            }
            sleep();
        }
    }

    private String reason(Asked a) {
        if (a.qmpRefused != null && a.qmpAccepted == null) {
            return "QEMU refused device_del (" + a.qmpRefused + "): the device is not in a hot-pluggable slot"
                    + " (pcie.0 has none; qemu-args puts each GPU on its own pcie-root-port)";
        }
        if (a.qmpAccepted != null) {
            return "QEMU accepted device_del but the guest did not release the device: a guest without PCIe"
                    + " hotplug (pciehp) or one that ignores the request";
        }
        if (a.qmpUnreachable != null) {
            return "QEMU's QMP socket could not be reached (" + a.qmpUnreachable + ")"
                    + (a.reqArmed ? " and the client ignored " + a.requests + " REQ interrupts" : "");
        }
        if (a.reqArmed) {
            return "the client was asked through its REQ interrupt " + a.requests + " times and did not let go";
        }
        return "no way to ask: the client armed no REQ interrupt (QEMU's vfio-user-pci does not) and serve knows"
                + " no QMP socket for it (serve --qmp, or \"qmp\" in the config)";
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
