package dev.jvfio.profile;

import dev.jvfio.device.VfioDevice;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.nio.file.Path;

/**
 * A server process for tests that must measure the server separately from the client: serves one
 * device of the given profile (default options) on the given socket, prints "READY" and runs until
 * its stdin closes. Usage: {@code GpuServerProcess SOCKET [PROFILE]}.
 */
public final class GpuServerProcess {
    private GpuServerProcess() {}

    public static void main(String[] args) throws Exception {
        String profile = args.length > 1 ? args[1] : GpuOptions.DEFAULT_PROFILE;
        try (VfioDevice device = DeviceProfiles.create(GpuOptions.defaults().withProfile(profile));
                VfioUserServer server = VfioUserServer.start(
                        Path.of(args[0]), device, ServerOptions.defaults().withListener(ServerListener.NONE))) {
            System.out.println("READY " + ProcessHandle.current().pid());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close our stdin
            }
        }
    }
}
