package dev.jvfio.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.qmp.FakeQmp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The graceful unplug: who is asked how, what is waited for, and the reason given when a device stays. */
class UnpluggerTest {
    final List<String> log = new CopyOnWriteArrayList<>();
    Path dir;

    @BeforeEach
    void dir() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "unplug");
    }

    @AfterEach
    void clean() throws Exception {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    List<Unplugger.Outcome> unplug(Duration timeout, ServedDevice... devices) {
        return new Unplugger(timeout, log::add).unplug(List.of(devices), () -> false);
    }

    @Test
    @DisplayName(
            "PCI-10.7 a client that armed REQ is asked through it and the device counts as detached once it leaves")
    void req() {
        FakeServed d = new FakeServed("gpu0", true, true, null);
        Unplugger.Outcome o = unplug(Duration.ofSeconds(30), d).getFirst();
        assertThat(o.detached()).isTrue();
        assertThat(d.requests.get()).isOne();
        assertThat(log).anyMatch(l -> l.contains("REQ interrupt"));
    }

    @Test
    @DisplayName(
            "with a QMP socket: device_del with the device's id, DEVICE_DELETED logged, detached when the client left")
    void qmpDeviceDel() throws Exception {
        FakeServed d = new FakeServed("gpu0", false, false, dir.resolve("qmp"));
        List<String> ids = new ArrayList<>();
        try (FakeQmp qemu = new FakeQmp(dir.resolve("qmp"), cmd -> {
            ids.add(cmd.path("arguments").path("id").asText());
            d.attached.set(false); // QEMU disconnects from the server once the guest let go
            return List.of(FakeQmp.ok(), FakeQmp.deviceDeleted("gpu0"));
        })) {
            Unplugger.Outcome o = unplug(Duration.ofSeconds(30), d).getFirst();
            assertThat(o.detached()).isTrue();
            assertThat(ids).containsExactly("gpu0");
            assertThat(log).anyMatch(l -> l.contains("accepted device_del"));
        }
    }

    @Test
    @DisplayName("QEMU refusing device_del (pcie.0): re-asked until the timeout, then the reason names the slot")
    void refused() throws Exception {
        FakeServed d = new FakeServed("gpu0", false, false, dir.resolve("qmp"));
        try (FakeQmp qemu = new FakeQmp(
                dir.resolve("qmp"),
                cmd -> List.of(FakeQmp.error("GenericError", "Bus 'pcie.0' does not support hotplugging")))) {
            Unplugger.Outcome o = unplug(Duration.ofMillis(300), d).getFirst();
            assertThat(o.detached()).isFalse();
            assertThat(o.message())
                    .contains("refused device_del")
                    .contains("does not support hotplugging")
                    .contains("not in a hot-pluggable slot");
        }
    }

    @Test
    @DisplayName("accepted but the guest never lets go: the timeout reason suspects a guest without pciehp")
    void guestIgnores() throws Exception {
        FakeServed d = new FakeServed("gpu0", false, false, dir.resolve("qmp"));
        try (FakeQmp qemu = new FakeQmp(dir.resolve("qmp"), cmd -> List.of(FakeQmp.ok()))) {
            Unplugger.Outcome o = unplug(Duration.ofMillis(300), d).getFirst();
            assertThat(o.detached()).isFalse();
            assertThat(o.message()).contains("accepted device_del").contains("pciehp");
        }
    }

    @Test
    @DisplayName("no REQ armed and no QMP socket: nothing to wait for, the reason says there was no way to ask")
    void noWayToAsk() {
        FakeServed d = new FakeServed("gpu0", false, false, null);
        long t0 = System.nanoTime();
        Unplugger.Outcome o = unplug(Duration.ofMinutes(10), d).getFirst();
        assertThat(Duration.ofNanos(System.nanoTime() - t0))
                .as("not the 10 minutes")
                .isLessThan(Duration.ofMinutes(1));
        assertThat(o.detached()).isFalse();
        assertThat(o.message()).contains("no way to ask");
    }

    @Test
    @DisplayName("an unreachable QMP socket is reported as such; devices without a client count as detached")
    void unreachableAndIdle() {
        FakeServed d = new FakeServed("gpu0", false, false, dir.resolve("nobody"));
        FakeServed idle = new FakeServed("gpu1", false, false, null);
        idle.attached.set(false);
        List<Unplugger.Outcome> out = unplug(Duration.ofMillis(300), d, idle);
        assertThat(out.get(0).message()).contains("could not be reached");
        assertThat(out.get(1).detached()).isTrue();
        assertThat(out.get(1).message()).isEqualTo("no client attached");
    }

    @Test
    @DisplayName("a second stop signal ends the wait at once")
    void cancelled() {
        FakeServed d = new FakeServed("gpu0", true, false, null);
        Unplugger.Outcome o = new Unplugger(Duration.ofMinutes(10), log::add)
                .unplug(List.of(d), () -> true)
                .getFirst();
        assertThat(o.detached()).isFalse();
        assertThat(o.message()).contains("not waited for");
    }
}
