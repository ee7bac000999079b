package dev.jvfio.cli;

import dev.jvfio.device.VfioDevice;
import java.io.IOException;

/** Connects a device to the vfio-user server (package dev.jvfio.server). */
final class ServerWiring implements Endpoint.Starter {
    @Override
    public Endpoint start(DeviceSpec spec, VfioDevice device, ServeLog log) throws IOException {
        throw new CommandFailure("the vfio-user server is not built into this jvfio yet");
    }
}
