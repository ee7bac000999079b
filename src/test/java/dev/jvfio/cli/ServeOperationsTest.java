package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** serve's life under systemd and with metrics: the --metrics address, journal lines, the unit's socket directory. */
class ServeOperationsTest {
    @Test
    @DisplayName("--metrics: PORT alone is the loopback address; HOST:PORT and [IPv6]:PORT as given")
    void metricsAddress() {
        assertThat(MetricsAddress.parse("9400"))
                .isEqualTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9400));
        assertThat(MetricsAddress.parse(":9400").getAddress().isLoopbackAddress())
                .isTrue();
        assertThat(MetricsAddress.parse("0.0.0.0:0").getAddress().isAnyLocalAddress())
                .isTrue();
        assertThat(MetricsAddress.parse("[::1]:80").getAddress().getHostAddress())
                .isEqualTo("0:0:0:0:0:0:0:1");
        for (String bad : new String[] {"x", "1:2:3", "127.0.0.1:65536", "[::1]", "[::1:80", "host:-1"}) {
            assertThatThrownBy(() -> MetricsAddress.parse(bad)).as(bad).isInstanceOf(TypeConversionException.class);
        }
    }

    @Test
    @DisplayName("under the journal, lines carry a syslog priority and no timestamp of their own")
    void journalLines() {
        StringWriter out = new StringWriter();
        ServeLog log = new ServeLog(new PrintWriter(out), true);
        log.info("ready");
        log.event("gpu0", "client pid 1 uid 0 connected");
        log.warning("gpu0", "client pid 2 uid 5 refused: uid 5 is not allowed");
        assertThat(out.toString().lines())
                .containsExactly(
                        "<6>jvfio: ready",
                        "<6>gpu0: client pid 1 uid 0 connected",
                        "<4>gpu0: client pid 2 uid 5 refused: uid 5 is not allowed");
        StringWriter plain = new StringWriter();
        new ServeLog(new PrintWriter(plain), false).warning("gpu0", "x");
        assertThat(plain.toString()).matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z gpu0: x\\R");
    }

    @Test
    @DisplayName("sockets default to systemd's RUNTIME_DIRECTORY when the unit has one, else XDG_RUNTIME_DIR/jvfio")
    void runtimeDirectory() {
        assertThat(SocketPaths.defaultSocket(
                        Map.of("RUNTIME_DIRECTORY", "/run/jvfio/a:/run/other", "XDG_RUNTIME_DIR", "/x"), 1))
                .isEqualTo(Path.of("/run/jvfio/a/gpu1.sock"));
        assertThat(SocketPaths.defaultSocket(Map.of("XDG_RUNTIME_DIR", "/run/user/7"), 0))
                .isEqualTo(Path.of("/run/user/7/jvfio/gpu0.sock"));
        assertThat(SocketPaths.defaultSocket(Map.of("RUNTIME_DIRECTORY", "relative"), 0))
                .isEqualTo(Path.of("run").toAbsolutePath().resolve("gpu0.sock"));
    }

    @Test
    @DisplayName("--allow-group takes a name or a number; an unknown name is a usage error naming the option")
    void allowGroup() {
        SocketPolicy p = SocketPolicy.of(null, List.of(), List.of("0", "4242"));
        assertThat(p.extraGids()).containsExactlyInAnyOrder(0, 4242);
        assertThatThrownBy(() -> SocketPolicy.of(null, List.of(), List.of("no-such-group-jv")))
                .isInstanceOf(UsageError.class)
                .hasMessageContaining("--allow-group: no group named 'no-such-group-jv'");
    }
}
