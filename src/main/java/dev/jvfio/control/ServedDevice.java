package dev.jvfio.control;

import dev.jvfio.device.DeviceStatus;
import dev.jvfio.device.FaultInjection;
import dev.jvfio.server.ClientStatus;
import java.nio.file.Path;
import java.util.Optional;

/** One device {@code jvfio serve} serves, as the control socket and the graceful unplug see it. */
public interface ServedDevice {
    /** Its name ("gpu0"), also its id in the VMM (qemu-args gives the vfio-user-pci device this id). */
    String name();

    /** Its profile ("gh200", "sample"). */
    String profile();

    /** Its vfio-user socket. */
    Path socket();

    /** The attached client, if any. */
    Optional<ClientStatus> client();

    /** What the device says about itself. */
    DeviceStatus status();

    /** How to make it fail, or null. */
    FaultInjection faults();

    /** Signals the client's REQ interrupt (the {@code count}-th request); whether it was armed. */
    boolean request(int count);

    /** The QMP socket of the VMM that attaches it, if the operator named one. */
    Optional<Path> qmp();
}
