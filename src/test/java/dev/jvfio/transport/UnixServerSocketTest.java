package dev.jvfio.transport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.TempDirs;
import dev.jvfio.os.Fd;
import dev.jvfio.os.LinuxErrno;
import dev.jvfio.procfs.OpenFiles;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class UnixServerSocketTest {
    private Path dir;
    private Path sock;

    @BeforeEach
    void dir() throws IOException {
        dir = TempDirs.create();
        sock = dir.resolve("s");
    }

    @AfterEach
    void cleanup() throws IOException {
        TempDirs.delete(dir);
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    @DisplayName("VU-1.3 the socket file is created owner-only (0600) by default")
    void vu_1_3_clientAndServerExchangeBytesAndTheSocketFileIsOwnerOnly() throws Exception {
        try (UnixServerSocket server = UnixServerSocket.listen(sock, SocketAccess.ownerOnly())) {
            assertThat(server.path()).isEqualTo(sock);
            assertThat(perms(sock)).isEqualTo("rw-------");
            try (UnixConnection client = UnixConnection.connect(sock);
                    UnixConnection served = server.accept()) {
                client.send(MemorySegment.ofArray("ping".getBytes()));
                MemorySegment in = MemorySegment.ofArray(new byte[4]);
                served.receiveFully(in, null, 0);
                assertThat(new String(in.toArray(JAVA_BYTE))).isEqualTo("ping");
                assertThat(served.peerCredentials().pid())
                        .isEqualTo(ProcessHandle.current().pid());
            }
        }
        assertThat(sock).as("close removes the socket file").doesNotExist();
    }

    @Test
    @DisplayName("VU-1.3 the socket file's mode and group come from SocketAccess")
    void vu_1_3_modeAndGroupComeFromSocketAccess() throws Exception {
        int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        try (UnixServerSocket server = UnixServerSocket.listen(sock, new SocketAccess(0640, gid))) {
            assertThat(perms(sock)).isEqualTo("rw-r-----");
            assertThat((Integer) Files.getAttribute(sock, "unix:gid", LinkOption.NOFOLLOW_LINKS))
                    .isEqualTo(gid);
        }
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        // a crashed server leaves its socket file behind, with nobody listening on it
        try (Fd crashed = Fd.adopt(SocketCalls.socket())) {
            SocketCalls.bind(crashed.value(), SocketCalls.pathBytes(sock), sock);
        }
        Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(sock).exists();
        assertThatThrownBy(() -> UnixConnection.connect(sock)).hasMessageContaining("refused");
        try (UnixServerSocket second = UnixServerSocket.listen(sock, SocketAccess.ownerOnly());
                UnixConnection client = UnixConnection.connect(sock);
                UnixConnection served = second.accept()) {
            assertThat(perms(sock)).isEqualTo("rw-------");
            assertThat(served.peerCredentials().pid())
                    .isEqualTo(ProcessHandle.current().pid());
        }
    }

    @Test
    void aLiveServerIsNotReplaced() throws Exception {
        try (UnixServerSocket live = UnixServerSocket.listen(sock, SocketAccess.ownerOnly())) {
            assertThatThrownBy(() -> UnixServerSocket.listen(sock, SocketAccess.ownerOnly()))
                    .isInstanceOf(IOException.class)
                    .hasMessage("another server is listening on " + sock);
            assertThat(sock).exists();
            // the live server still works (it saw and may drop the probe connection)
            live.accept().close();
            try (UnixConnection c = UnixConnection.connect(sock);
                    UnixConnection s = live.accept()) {
                assertThat(s.peerCredentials().uid())
                        .isEqualTo(c.peerCredentials().uid());
            }
        }
    }

    @Test
    void aLiveServerWithAFullBacklogIsRefusedWithoutHanging() throws Exception {
        List<Fd> pending = new ArrayList<>();
        try (UnixServerSocket live = UnixServerSocket.listen(sock, SocketAccess.ownerOnly())) {
            byte[] path = SocketCalls.pathBytes(sock);
            while (true) { // fill the backlog: the server never accepts
                Fd c = Fd.adopt(SocketCalls.socket(SocketCalls.SOCK_NONBLOCK));
                pending.add(c);
                int r = SocketCalls.connect(c.value(), path);
                if (r == -LinuxErrno.EAGAIN) {
                    break;
                }
                assertThat(r).isZero();
                assertThat(pending).hasSizeLessThan(10_000);
            }
            assertThatThrownBy(() -> UnixServerSocket.listen(sock, SocketAccess.ownerOnly()))
                    .hasMessage("another server is listening on " + sock);
        } finally {
            pending.forEach(Fd::close);
        }
    }

    @Test
    void aRegularFileAtThePathIsRefusedAndLeftAlone() throws Exception {
        Files.writeString(sock, "precious");
        assertThatThrownBy(() -> UnixServerSocket.listen(sock, SocketAccess.ownerOnly()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a socket");
        assertThat(Files.readString(sock)).isEqualTo("precious");
    }

    @Test
    void aPathTooLongForSunPathIsRefusedNamingTheLimit() {
        Path longPath = dir.resolve("x".repeat(120));
        assertThatThrownBy(() -> UnixServerSocket.listen(longPath, SocketAccess.ownerOnly()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("107");
        assertThatThrownBy(() -> UnixConnection.connect(longPath))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("107");
    }

    @Test
    void connectingToNothingNamesTheCallAndPath() {
        assertThatThrownBy(() -> UnixConnection.connect(sock))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("connect")
                .hasMessageContaining(sock.toString());
    }

    @Test
    void closeUnblocksAcceptWithClosedException() throws Exception {
        UnixServerSocket server = UnixServerSocket.listen(sock, SocketAccess.ownerOnly());
        CompletableFuture<UnixConnection> accepting = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100); // give it a chance to block; the test holds either way
        server.close();
        assertThatThrownBy(() -> accepting.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .cause()
                .isInstanceOf(ClosedException.class);
        assertThatThrownBy(server::accept).isInstanceOf(ClosedException.class);
        server.close();
        assertThat(sock).doesNotExist();
    }

    @Test
    void twoHundredConnectAcceptCloseCyclesLeakNoFds() throws Exception {
        try (UnixServerSocket server = UnixServerSocket.listen(sock, SocketAccess.ownerOnly())) {
            cycle(server);
            int baseline = OpenFiles.count();
            for (int i = 0; i < 200; i++) {
                cycle(server);
            }
            assertThat(OpenFiles.count()).isEqualTo(baseline);
        }
    }

    private void cycle(UnixServerSocket server) throws IOException {
        try (UnixConnection c = UnixConnection.connect(sock);
                UnixConnection s = server.accept()) {
            c.send(MemorySegment.ofArray(new byte[] {1}), List.of(c.fd()));
            List<Fd> got = new ArrayList<>();
            s.receive(MemorySegment.ofArray(new byte[1]), got, 1);
            got.forEach(Fd::close);
        }
    }
}
