package dev.jvfio.cli;

import dev.jvfio.device.VfioDevice;
import java.io.IOException;

/** A device being served on its socket; closing it stops serving and removes the socket file. */
interface Endpoint extends AutoCloseable {
    @Override
    void close();

    /** Starts serving a device; events go to the log, clients and counters to {@code ops}. */
    interface Starter {
        Endpoint start(DeviceSpec spec, VfioDevice device, SocketPolicy policy, ServeLog log, Operations ops)
                throws IOException;
    }
}
