package dev.jvfio.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.HandshakeException;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Errno;
import dev.jvfio.server.RamServer;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import dev.jvfio.transport.UnixConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Found while hardening: every refused connection got its own platform thread that waited up to
 * 5 s for a VERSION. A peer that may reach the socket but is not on the allow list could open
 * connections faster than they time out and make the server create threads without bound, until
 * thread creation failed inside the accept loop and the device was lost for everyone.
 */
class RefusalFloodRegressionTest {
    static final int CONNECTIONS = 300;

    @Test
    @DisplayName("VU-1.3 a flood of refused connections that never send anything cannot exhaust server threads")
    void vu_1_3_refused_connection_flood_is_bounded() throws Exception {
        int other = AccessControlTest.ownUid() == 0 ? 65534 : 0;
        List<UnixConnection> flood = new ArrayList<>();
        try (RamServer ram = RamServer.start(
                ServerOptions.defaults().withListener(ServerListener.NONE).withAllowedUids(Set.of(other)))) {
            VfioUserServer s = ram.server();
            int threadsBefore = threads();
            int peak = threadsBefore;
            for (int i = 0; i < CONNECTIONS; i++) {
                flood.add(UnixConnection.connect(s.socketPath()));
                if (i % 10 == 0) {
                    peak = Math.max(peak, threads());
                }
            }
            // give the acceptor time to take all of them in (it never waits on a refused peer)
            for (int i = 0; i < 100; i++) {
                Thread.sleep(10);
                peak = Math.max(peak, threads());
            }
            assertThat(peak - threadsBefore)
                    .as("threads the server started for %d refused connections", CONNECTIONS)
                    .isLessThan(64);
            // once the flood is gone the server still answers: a refused peer gets its EPERM
            flood.forEach(UnixConnection::close);
            Throwable last = null;
            for (int attempt = 0; attempt < 3000; attempt++) { // up to 30 s on a loaded machine
                try {
                    VfioUserClient.connect(s.socketPath()).close();
                    throw new AssertionError("a peer that is not allowed was accepted");
                } catch (HandshakeException e) {
                    last = e;
                    break;
                } catch (IOException e) {
                    last = e; // refusals still in flight: hung up at once
                    Thread.sleep(10);
                }
            }
            assertThat(last)
                    .isInstanceOfSatisfying(
                            HandshakeException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
        } finally {
            flood.forEach(UnixConnection::close);
        }
    }

    /** Live threads of this process (kernel tasks, so platform threads of every kind count). */
    static int threads() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring(8).trim());
            }
        }
        throw new IllegalStateException("no Threads: line");
    }
}
