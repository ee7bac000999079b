package dev.jvfio.cli;

import dev.jvfio.control.ServedDevice;
import dev.jvfio.control.Unplugger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT while clients are attached (docs/qemu.md, "Taking a GPU away"): the first asks
 * the VMMs to let the devices go ({@link Unplugger}: REQ, QMP device_del) and waits up to
 * --detach-timeout for their clients to disconnect, then exits (status 0 when a VMM was asked:
 * the stop was carried out as asked) through the usual shutdown, naming each device that did not detach and why; a
 * second signal exits at once. Without clients, or with --detach-timeout 0, the first signal exits
 * at once with the status the JVM gives a signal (128 + its number: 143 SIGTERM, 130 SIGINT), as
 * before the devices were up.
 */
final class GracefulStop {
    private final List<ServedDevice> devices;
    private final Duration timeout;
    private final ServeLog log;
    private final AtomicInteger signals = new AtomicInteger();

    private GracefulStop(List<ServedDevice> devices, Duration timeout, ServeLog log) {
        this.devices = List.copyOf(devices);
        this.timeout = timeout;
        this.log = log;
    }

    static void install(List<ServedDevice> devices, Duration timeout, ServeLog log) {
        GracefulStop g = new GracefulStop(devices, timeout, log);
        for (String name : List.of("TERM", "INT")) {
            Signal.handle(new Signal(name), g::signalled);
        }
    }

    private void signalled(Signal sig) {
        int n = signals.incrementAndGet();
        if (n == 1) {
            Thread t = new Thread(() -> stop(sig), "jvfio-graceful-stop");
            t.setDaemon(true);
            t.start();
        } else if (n == 2) {
            log.info("SIG" + sig.getName() + " again: stopping now");
        }
    }

    private void stop(Signal sig) {
        int status = 128 + sig.getNumber();
        try {
            boolean clients = devices.stream().anyMatch(d -> d.client().isPresent());
            if (clients && !timeout.isZero()) {
                log.info("SIG" + sig.getName() + ": asking the VMMs to let go of the devices first (up to "
                        + timeout.toSeconds() + " s; signal again to stop at once)");
                List<Unplugger.Outcome> outcomes =
                        new Unplugger(timeout, log::info).unplug(devices, () -> signals.get() > 1);
                if (outcomes.stream().anyMatch(Unplugger.Outcome::asked)) status = 0; // a graceful unplug ran
                for (Unplugger.Outcome o : outcomes) {
                    if (o.detached()) {
                        log.info(o.device() + ": detached (" + o.message() + ")");
                    } else {
                        log.info(o.device() + ": did not detach: " + o.message() + "; stopping anyway");
                    }
                }
            } else if (clients) {
                log.info("SIG" + sig.getName() + ": --detach-timeout 0, stopping without asking the clients to let go");
            }
        } catch (RuntimeException | Error e) {
            log.info("graceful stop failed (" + e + "); stopping anyway");
        } finally {
            System.exit(status);
        }
    }
}
