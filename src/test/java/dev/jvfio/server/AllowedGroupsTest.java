package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.transport.UnixConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** VU-1.3: besides allowed uids, members of allowed groups (SO_PEERCRED's gid or SO_PEERGROUPS) get in. */
@Timeout(60)
class AllowedGroupsTest {
    /** This process's primary gid and supplementary groups, as /proc/self/status lists them. */
    private static int ownGid() throws Exception {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
    }

    private static Set<Integer> ownGroups() throws Exception {
        Set<Integer> out = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Groups:")) {
                for (String g : line.substring(7).trim().split("\\s+")) if (!g.isEmpty()) out.add(Integer.parseInt(g));
            }
        }
        return out;
    }

    @Test
    @DisplayName("VU-1.3 SO_PEERGROUPS gives the peer's supplementary groups, as the kernel lists them")
    void vu1_3_peerGroupsAreTheProcessGroups() throws Exception {
        UnixConnection[] p = UnixConnection.pair();
        try {
            Set<Integer> got = new TreeSet<>();
            Arrays.stream(p[0].peerGroups()).forEach(got::add);
            assertThat(got).isEqualTo(ownGroups());
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @Test
    @DisplayName("VU-1.3 a peer whose uid is not allowed gets in by an allowed group, and is refused without one")
    void vu1_3_allowedGroupLetsIn() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvg");
        int notMe = ServerOptions.ownUid() + 4242;
        try (RamDevice device = new RamDevice()) {
            ServerOptions byGroup =
                    ServerOptions.defaults().withAllowedUids(Set.of(notMe)).withAllowedGids(Set.of(ownGid()));
            try (VfioUserServer server = VfioUserServer.start(dir.resolve("g"), device, byGroup);
                    VfioUserClient c = VfioUserClient.connect(dir.resolve("g"))) {
                assertThat(c.deviceInfo().numRegions()).isPositive();
            }
            ServerOptions otherGroup =
                    ServerOptions.defaults().withAllowedUids(Set.of(notMe)).withAllowedGids(Set.of(ownGid() + 4242));
            try (VfioUserServer server = VfioUserServer.start(dir.resolve("h"), device, otherGroup)) {
                assertThatThrownBy(
                                () -> VfioUserClient.connect(dir.resolve("h")).close())
                        .hasMessageContaining("EPERM");
            }
        } finally {
            Files.deleteIfExists(dir.resolve("g"));
            Files.deleteIfExists(dir.resolve("h"));
            Files.delete(dir);
        }
    }
}
