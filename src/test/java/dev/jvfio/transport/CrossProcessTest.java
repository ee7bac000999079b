package dev.jvfio.transport;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.bench.ChildJvm;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A real second process at the other end: fds cross process boundaries both ways. */
class CrossProcessTest {
    @Test
    @DisplayName("VU-1.1 fds pass between processes both ways; SO_PEERCRED names the child")
    void vu_1_1_fdsPassBetweenProcessesBothWaysAndPeerCredentialsNameTheChild() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        Path sock = dir.resolve("s");
        Process child = null;
        try (UnixServerSocket server = UnixServerSocket.listen(sock, SocketAccess.ownerOnly());
                Arena arena = Arena.ofConfined()) {
            child = ChildJvm.builder(List.of(), PeerProcess.class, sock.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("child.log").toFile())
                    .start();
            try (UnixConnection conn = server.accept();
                    EventFd irq = EventFd.create()) {
                assertThat(conn.peerCredentials().pid()).isEqualTo(child.pid());

                MemorySegment msg = arena.allocate(JAVA_LONG);
                List<Fd> got = new ArrayList<>();
                conn.receiveFully(msg, got, 1);
                assertThat(msg.get(JAVA_LONG, 0)).isEqualTo(child.pid());
                assertThat(got).hasSize(1);
                try (Fd mem = got.get(0);
                        MappedMemory view = MappedMemory.map(mem, 0, 4096, false)) {
                    assertThat(view.segment().getString(0)).isEqualTo("written by " + child.pid());
                }

                conn.send(arena.allocate(1), List.of(irq.fd()));
                assertThat(irq.await(Duration.ofSeconds(60)))
                        .as("child signalled our eventfd")
                        .isTrue();
            }
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue())
                    .as(Files.readString(dir.resolve("child.log")))
                    .isZero();
        } finally {
            if (child != null) {
                child.destroyForcibly();
            }
            Files.deleteIfExists(dir.resolve("child.log"));
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }
}
