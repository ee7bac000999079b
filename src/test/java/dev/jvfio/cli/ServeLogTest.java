package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.transport.PeerCredentials;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** serve's log: repeated lines are rate-limited with a count, on a clock of the test's own. */
class ServeLogTest {
    final StringWriter out = new StringWriter();
    final AtomicLong now = new AtomicLong();
    final ServeLog log = new ServeLog(new PrintWriter(out), now::get, false);
    final ServerWiring.LogListener gpu0 = new ServerWiring.LogListener("gpu0", log, Operations.none());

    List<String> lines() {
        return out.toString().lines().map(l -> l.substring(l.indexOf(' ') + 1)).toList();
    }

    @Test
    @DisplayName("5,000 failed requests within 10 s: 5 lines, then one line with the count of the others")
    void failedRequestsAreCounted() {
        for (int id = 0; id < 5000; id++) gpu0.error("REGION_READ id " + id + " failed: EINVAL");
        assertThat(lines())
                .hasSize(ServeLog.BURST)
                .allMatch(l -> l.startsWith("gpu0: request failed: REGION_READ id "));
        now.addAndGet(TimeUnit.SECONDS.toNanos(ServeLog.WINDOW_SECONDS));
        gpu0.error("REGION_READ id 5000 failed: EINVAL");
        assertThat(lines()).hasSize(ServeLog.BURST + 2);
        assertThat(lines().get(ServeLog.BURST))
                .isEqualTo(
                        "4995 more lines like \"gpu0: request failed: REGION_READ id # failed: EINVAL\" in 10 s, not shown");
        assertThat(lines().getLast()).isEqualTo("gpu0: request failed: REGION_READ id 5000 failed: EINVAL");
    }

    @Test
    @DisplayName(
            "a refused uid connecting in a loop, and other kinds of lines, are counted each on its own; flush prints what is pending")
    void kindsAreLimitedApart() {
        for (int pid = 100; pid < 2660; pid++) {
            gpu0.refused(new PeerCredentials(pid, 1001, 1001), "uid 1001 is not allowed");
            if (pid % 100 == 0) gpu0.reset();
        }
        assertThat(lines().stream().filter(l -> l.contains("refused"))).hasSize(ServeLog.BURST);
        assertThat(lines().stream().filter(l -> l.contains("device reset"))).hasSize(ServeLog.BURST);
        log.flush();
        assertThat(lines())
                .contains(
                        "2555 more lines like \"gpu0: client pid # uid # refused: uid # is not allowed\" in 10 s, not shown",
                        "21 more lines like \"gpu0: device reset by the client\" in 10 s, not shown");
        log.flush();
        assertThat(lines()).hasSize(2 * ServeLog.BURST + 2);
    }

    @Test
    @DisplayName(
            "lower layers' java.util.logging records reach serve's log as one rate-limited line each, without a stack trace")
    void lowerLayersLogThroughServeLog() {
        Logger root = Logger.getLogger(LogBridge.ROOT);
        Handler[] saved = root.getHandlers();
        boolean parents = root.getUseParentHandlers();
        try {
            LogBridge.install(log);
            Logger pci = Logger.getLogger("dev.jvfio.pci.VfioPciDevice");
            for (int i = 0; i < 8; i++) {
                pci.log(Level.WARNING, "gpu0: BAR 4 backing failed", new IOException("offset " + i));
            }
            pci.fine("not shown: below INFO");
            assertThat(lines())
                    .hasSize(ServeLog.BURST)
                    .allMatch(l -> l.matches("gpu0: BAR 4 backing failed: java.io.IOException: offset \\d"));
            log.flush();
            assertThat(lines().getLast())
                    .isEqualTo(
                            "3 more lines like \"gpu0: BAR # backing failed: java.io.IOException: offset #\" in 10 s, not shown");
        } finally {
            for (Handler h : root.getHandlers()) root.removeHandler(h);
            for (Handler h : saved) root.addHandler(h);
            root.setUseParentHandlers(parents);
        }
    }

    @Test
    @DisplayName("serve's own lines are never limited")
    void infoIsNotLimited() {
        for (int i = 0; i < 20; i++) log.info("creating gpu" + i);
        assertThat(out.toString().lines()).hasSize(20);
    }
}
