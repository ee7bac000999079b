package dev.jvfio.hardening;

import dev.jvfio.client.HandshakeException;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Errno;
import java.nio.file.Path;

/** Connecting right after another client left: its session may still be closing, so EBUSY for a moment. */
final class Reconnect {
    private Reconnect() {}

    /** Connects, retrying while the server answers EBUSY (for up to about 10 s). */
    static VfioUserClient whenFree(Path socket) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                return VfioUserClient.connect(socket);
            } catch (HandshakeException e) {
                if (e.errno() != Errno.EBUSY || attempt > 2000) {
                    throw e;
                }
                Thread.sleep(5);
            }
        }
    }
}
