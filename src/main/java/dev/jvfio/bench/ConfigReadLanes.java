package dev.jvfio.bench;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.server.VfioUserServer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The 4-byte config-space read both sides of a comparison of two servers run (the proxy and the
 * metrics rows), and their placement: the client on the low CPU, the server's sessions high.
 */
final class ConfigReadLanes {
    private ConfigReadLanes() {}

    /** One lane per client, each reading config offset 0 into a buffer of its own. */
    static List<Op> of(List<VfioUserClient> clients) {
        List<Op> ops = new ArrayList<>();
        for (VfioUserClient c : clients) {
            MemorySegment buf = Arena.ofAuto().allocate(4, 4);
            ops.add(() -> {
                int n = c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, buf);
                if (n != 4) {
                    throw new IOException("the server read " + n + " of 4 bytes");
                }
            });
        }
        return ops;
    }

    /** Before each round: this thread (the client) low, the server's session threads high. */
    static Side.Setup placeServer(Placement p, long serverPid) {
        return p == null
                ? () -> {}
                : () -> {
                    p.thisThreadTo(p.lowCpu());
                    p.threadsTo(serverPid, VfioUserServer.SESSION_THREAD, p.highCpu());
                };
    }
}
