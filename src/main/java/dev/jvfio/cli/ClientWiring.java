package dev.jvfio.cli;

import java.nio.file.Path;

/** Connects {@code lspci} to the vfio-user client (package dev.jvfio.client). */
final class ClientWiring {
    private ClientWiring() {}

    static DeviceView connect(Path socket) {
        throw new CommandFailure("the vfio-user client is not built into this jvfio yet");
    }
}
