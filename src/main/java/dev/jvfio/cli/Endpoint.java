package dev.jvfio.cli;

import dev.jvfio.device.VfioDevice;
import dev.jvfio.server.ClientStatus;
import java.io.IOException;
import java.util.Optional;

/** A device being served on its socket; closing it stops serving and removes the socket file. */
interface Endpoint extends AutoCloseable {
    @Override
    void close();

    /** The client attached now, if any (the control socket's status, the graceful unplug). */
    default Optional<ClientStatus> client() {
        return Optional.empty();
    }

    /** Starts serving a device; events go to the log, clients and counters to {@code ops}. */
    interface Starter {
        Endpoint start(DeviceSpec spec, VfioDevice device, SocketPolicy policy, ServeLog log, Operations ops)
                throws IOException;
    }
}
