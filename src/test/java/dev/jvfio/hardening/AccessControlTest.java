package dev.jvfio.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.HandshakeException;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Errno;
import dev.jvfio.fuzz.MessageGenerator;
import dev.jvfio.protocol.Header;
import dev.jvfio.server.RamDevice;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import dev.jvfio.transport.PeerCredentials;
import dev.jvfio.transport.SocketAccess;
import dev.jvfio.transport.UnixConnection;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Access control (VU-1.3): the socket file is the protocol's only gate, so it is created 0600
 * (or 0660 with a chosen group); behind it the peer's uid from SO_PEERCRED is checked against an
 * allow list (by default the server's own uid and root), and a refused peer is logged and
 * disconnected.
 */
class AccessControlTest {
    Path dir;
    RamDevice device;
    final List<String> refused = new CopyOnWriteArrayList<>();
    final ServerListener recorder = new ServerListener() {
        @Override
        public void refused(PeerCredentials peer, String reason) {
            refused.add(peer.uid() + ": " + reason);
        }
    };

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        device = new RamDevice();
    }

    @AfterEach
    void stop() throws Exception {
        device.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    static int ownUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    static int ownGid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
    }

    @Test
    @DisplayName("VU-1.3 the socket file is created 0600 by default and the default allow list is our uid and root")
    void vu_1_3_socket_owner_only_by_default() throws Exception {
        assertThat(ServerOptions.defaults().allowedUids()).isEqualTo(new HashSet<>(List.of(ownUid(), 0)));
        try (VfioUserServer s = VfioUserServer.start(
                dir.resolve("s"), device, ServerOptions.defaults().withListener(recorder))) {
            assertThat(Files.getPosixFilePermissions(s.socketPath(), LinkOption.NOFOLLOW_LINKS))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            assertThat(Files.getAttribute(s.socketPath(), "unix:uid", LinkOption.NOFOLLOW_LINKS))
                    .isEqualTo(ownUid());
            try (VfioUserClient c = VfioUserClient.connect(s.socketPath())) {
                assertThat(c.deviceInfo()).isEqualTo(device.info());
            }
        }
        assertThat(refused).isEmpty();
    }

    @Test
    @DisplayName("VU-1.3 a configured group gets the socket file with mode 0660")
    void vu_1_3_socket_group_configurable() throws Exception {
        int gid = ownGid();
        try (VfioUserServer s = VfioUserServer.start(
                dir.resolve("s"),
                device,
                ServerOptions.defaults().withListener(recorder).withAccess(SocketAccess.group(gid)))) {
            assertThat(Files.getPosixFilePermissions(s.socketPath(), LinkOption.NOFOLLOW_LINKS))
                    .containsExactlyInAnyOrder(
                            PosixFilePermission.OWNER_READ,
                            PosixFilePermission.OWNER_WRITE,
                            PosixFilePermission.GROUP_READ,
                            PosixFilePermission.GROUP_WRITE);
            assertThat(Files.getAttribute(s.socketPath(), "unix:gid", LinkOption.NOFOLLOW_LINKS))
                    .isEqualTo(gid);
        }
    }

    @Test
    @DisplayName("VU-1.3 a peer whose uid (SO_PEERCRED) is not on the allow list is refused with EPERM, logged and "
            + "disconnected; the device stays free for allowed peers")
    void vu_1_3_peer_uid_not_allowed_is_refused() throws Exception {
        int uid = ownUid();
        int other = uid == 0 ? 65534 : 0;
        try (VfioUserServer s = VfioUserServer.start(
                dir.resolve("s"),
                device,
                ServerOptions.defaults().withListener(recorder).withAllowedUids(Set.of(other)))) {
            assertThatThrownBy(() -> VfioUserClient.connect(s.socketPath()))
                    .isInstanceOfSatisfying(
                            HandshakeException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
            assertThat(refused)
                    .singleElement()
                    .asString()
                    .startsWith(uid + ": ")
                    .contains("not allowed");
            assertThat(s.clientAttached()).isFalse();
            assertThat(device.attaches())
                    .as("a refused peer never reaches the device")
                    .isZero();
            // the server hung up on the refused peer: a raw connection sees the error reply, then end of file
            try (UnixConnection raw = UnixConnection.connect(s.socketPath())) {
                raw.send(MemorySegment.ofArray(MessageGenerator.withHeader(3, 1, 0, 0, new byte[] {0, 0, 0, 0})));
                MemorySegment buf = Arena.ofAuto().allocate(64);
                raw.receiveFully(buf.asSlice(0, 16), null, 0);
                assertThat(Header.error(buf)).isEqualTo(Errno.EPERM);
                assertThat(raw.receive(buf, null, 0))
                        .as("end of file after the refusal")
                        .isZero();
            }
        }
        try (VfioUserServer s = VfioUserServer.start(
                        dir.resolve("s"),
                        device,
                        ServerOptions.defaults().withListener(recorder).withAllowedUids(Set.of(uid)));
                VfioUserClient c = VfioUserClient.connect(s.socketPath())) {
            assertThat(c.deviceInfo()).isEqualTo(device.info());
        }
    }
}
