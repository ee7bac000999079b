package dev.jvfio.cli;

import dev.jvfio.client.ServerCapabilities;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.lspci.DeviceView;
import java.io.IOException;
import java.nio.file.Path;

/** Connects {@code lspci} to the vfio-user client (package dev.jvfio.client). */
final class ClientWiring implements DeviceView {
    private final VfioUserClient client;

    private ClientWiring(VfioUserClient client) {
        this.client = client;
    }

    static DeviceView connect(Path socket) {
        PathArgs.requireSocket("--socket", socket);
        try {
            return new ClientWiring(VfioUserClient.connect(socket));
        } catch (IOException e) {
            throw new CommandFailure(
                    "cannot connect to " + socket + ": " + e.getMessage()
                            + " (is 'jvfio serve' running there, and is no other client attached?)",
                    e);
        }
    }

    @Override
    public DeviceInfo deviceInfo() throws Exception {
        return client.deviceInfo();
    }

    @Override
    public ServerCapabilities serverCapabilities() {
        return client.serverCapabilities();
    }

    @Override
    public RegionInfo regionInfo(int index) throws Exception {
        return client.regionInfo(index);
    }

    @Override
    public IrqInfo irqInfo(int index) throws Exception {
        return client.irqInfo(index);
    }

    @Override
    public byte[] read(int region, long offset, int count) throws Exception {
        return client.read(region, offset, count);
    }

    @Override
    public void close() {
        client.close();
    }
}
