package dev.jvfio.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** sd_notify(3) as systemd's Type=notify expects it, against a datagram socket of the test's own. */
@Timeout(60)
class ServiceManagerTest {
    private static final long PID = ProcessHandle.current().pid();

    @Test
    @DisplayName("READY, STATUS and STOPPING reach a notify socket at a path, each as one datagram")
    void notifiesAPathSocket() throws Throwable {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvn");
        String address = dir.resolve("notify").toString();
        try (DatagramInbox inbox = new DatagramInbox(address);
                ServiceManager m = ServiceManager.fromEnvironment(Map.of("NOTIFY_SOCKET", address), PID, s -> {})) {
            assertThat(m.active()).isTrue();
            m.ready("serving 1 device, 0 clients attached");
            assertThat(inbox.receive())
                    .isEqualTo("READY=1\nSTATUS=serving 1 device, 0 clients attached\nMAINPID=" + PID);
            m.status("serving 1 device,\n1 client attached");
            assertThat(inbox.receive()).isEqualTo("STATUS=serving 1 device, 1 client attached");
            m.stopping("stopping");
            assertThat(inbox.receive()).isEqualTo("STOPPING=1\nSTATUS=stopping");
        } finally {
            Files.deleteIfExists(dir.resolve("notify"));
            Files.delete(dir);
        }
    }

    @Test
    @DisplayName("an @name NOTIFY_SOCKET is an abstract socket: a NUL, then the name, no terminator")
    void notifiesAnAbstractSocket() throws Throwable {
        String address = "@jvfio-test-" + PID + "-" + System.nanoTime();
        try (DatagramInbox inbox = new DatagramInbox(address);
                ServiceManager m = ServiceManager.fromEnvironment(Map.of("NOTIFY_SOCKET", address), PID, s -> {})) {
            m.status("hello");
            assertThat(inbox.receive()).isEqualTo("STATUS=hello");
        }
        assertThat(NotifySocket.sunPath("@ab")).containsExactly(0, 'a', 'b');
    }

    @Test
    @DisplayName("WATCHDOG_USEC: WATCHDOG=1 at half the interval, only for this pid")
    void watchdogPings() throws Throwable {
        assertThat(ServiceManager.watchdogInterval(Map.of("WATCHDOG_USEC", "2000000"), PID))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(ServiceManager.watchdogInterval(Map.of("WATCHDOG_USEC", "2000000", "WATCHDOG_PID", "1"), 2))
                .isNull();
        assertThat(ServiceManager.watchdogInterval(Map.of("WATCHDOG_USEC", "x"), PID))
                .isNull();
        assertThat(ServiceManager.watchdogInterval(Map.of(), PID)).isNull();
        String address = "@jvfio-wd-" + PID + "-" + System.nanoTime();
        try (DatagramInbox inbox = new DatagramInbox(address);
                ServiceManager m = ServiceManager.fromEnvironment(
                        Map.of("NOTIFY_SOCKET", address, "WATCHDOG_USEC", "200000", "WATCHDOG_PID", Long.toString(PID)),
                        PID,
                        s -> {})) {
            assertThat(m.watchdogInterval()).isEqualTo(Duration.ofMillis(100));
            m.ready("up");
            assertThat(inbox.receive()).startsWith("READY=1");
            assertThat(inbox.receive()).isEqualTo("WATCHDOG=1");
            assertThat(inbox.receive()).isEqualTo("WATCHDOG=1");
            m.stopping("down");
            String next;
            do {
                next = inbox.receive(); // a ping already under way may come first
            } while ("WATCHDOG=1".equals(next));
            assertThat(next).startsWith("STOPPING=1");
        }
    }

    @Test
    @DisplayName("without NOTIFY_SOCKET nothing is sent and nothing fails; an unusable one is reported once")
    void withoutASocketNothingHappens() {
        List<String> problems = new ArrayList<>();
        ServiceManager none = ServiceManager.fromEnvironment(Map.of(), PID, problems::add);
        assertThat(none.active()).isFalse();
        none.ready("x");
        none.status("y");
        none.stopping("z");
        none.close();
        ServiceManager relative =
                ServiceManager.fromEnvironment(Map.of("NOTIFY_SOCKET", "run/notify"), PID, problems::add);
        assertThat(relative.active()).isFalse();
        ServiceManager gone =
                ServiceManager.fromEnvironment(Map.of("NOTIFY_SOCKET", "/nonexistent/notify"), PID, problems::add);
        gone.ready("a");
        gone.status("b");
        gone.close();
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).contains("neither an absolute path nor an @abstract name");
        assertThat(problems.get(1)).contains("sendto").contains("/nonexistent/notify");
    }

    @Test
    @DisplayName("addresses that cannot be AF_UNIX addresses are refused before any socket is made")
    void badAddresses() {
        assertThatThrownBy(() -> NotifySocket.sunPath("")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> NotifySocket.sunPath("@")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> NotifySocket.sunPath("vsock:2:1234")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> NotifySocket.sunPath("/" + "x".repeat(107))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> NotifySocket.sunPath("/a\0b")).isInstanceOf(IOException.class);
    }

    @Test
    @DisplayName("JOURNAL_STREAM counts only when it names the very file stderr is")
    void journalStream() throws IOException {
        Path f = Files.createTempFile("jvj", ".txt");
        try {
            long dev = (Long) Files.getAttribute(f, "unix:dev");
            long ino = (Long) Files.getAttribute(f, "unix:ino");
            assertThat(JournalStream.matches(dev + ":" + ino, f)).isTrue();
            assertThat(JournalStream.matches(dev + ":" + (ino + 1), f)).isFalse();
            assertThat(JournalStream.matches(null, f)).isFalse();
            assertThat(JournalStream.matches("garbage", f)).isFalse();
            assertThat(JournalStream.matches(dev + ":" + ino, f.resolveSibling("missing-jvj")))
                    .isFalse();
            assertThat(JournalStream.prefix(JournalStream.WARNING)).isEqualTo("<4>");
        } finally {
            Files.delete(f);
        }
    }
}
