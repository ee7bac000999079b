package dev.jvfio.server;

import dev.jvfio.client.VfioUserClient;
import java.nio.file.Path;

/** A client in its own process: attaches to the socket in args[0], says "attached", holds on until stdin closes. */
public final class HoldingClient {
    private HoldingClient() {}

    public static void main(String[] args) throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(Path.of(args[0]))) {
            c.deviceInfo();
            System.out.println("attached");
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the test closes our stdin
            }
        }
    }
}
