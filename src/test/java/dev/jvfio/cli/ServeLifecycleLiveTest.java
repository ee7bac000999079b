package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.qmp.FakeQmp;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A device's life after boot with a real serve process: {@code jvfio ctl} on its control socket, and
 * SIGTERM while a client is attached (the graceful unplug through REQ or QMP, the timeout, a second
 * signal). The sample device keeps it quick.
 */
class ServeLifecycleLiveTest {
    Path dir;

    @BeforeEach
    void makeDir() throws Exception {
        dir = TempDirs.create();
    }

    @AfterEach
    void removeDir() throws Exception {
        TempDirs.delete(dir);
    }

    ServeProcess serve(String... extra) throws Exception {
        String[] args = new String[extra.length + 4];
        args[0] = "--profile";
        args[1] = "sample";
        args[2] = "--socket";
        args[3] = dir.resolve("s.sock").toString();
        System.arraycopy(extra, 0, args, 4, extra.length);
        return new ServeProcess(dir, Map.of(), args).awaitReady();
    }

    /** Runs {@code jvfio ctl --control DIR/control.sock ARGS} in this JVM; returns exit code and output. */
    record Ctl(int exit, String out, String err) {}

    Ctl ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] argv = new String[args.length + 3];
        argv[0] = "ctl";
        argv[1] = "--control";
        argv[2] = dir.resolve("control.sock").toString();
        System.arraycopy(args, 0, argv, 3, args.length);
        int exit = cl.execute(argv);
        return new Ctl(exit, out.toString(), err.toString());
    }

    static int exitWithin(ServeProcess serve, Duration d) throws InterruptedException {
        assertThat(serve.process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS))
                .as("serve exits\n" + serve)
                .isTrue();
        return serve.process.exitValue();
    }

    @Test
    @DisplayName(
            "jvfio ctl status shows the client (pid, DMA windows and bytes, messages) and the armed IRQs; inject and recover; the control socket is 0600 and goes with serve")
    void ctlStatus() throws Exception {
        try (ServeProcess serve = serve("--detach-timeout", "1s");
                VfioUserClient client = VfioUserClient.connect(dir.resolve("s.sock"));
                Fd mem = Memfd.create("guest", 1 << 20);
                EventFd req = EventFd.create()) {
            Path control = dir.resolve("control.sock");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(control)))
                    .isEqualTo("rw-------");
            client.dmaMap(mem, 0, 0x1_0000_0000L, 1 << 20, true, true);
            client.setIrqEventfds(Vfio.PCI_REQ_IRQ_INDEX, 0, List.of(req.fd()));
            Ctl text = ctl("status");
            assertThat(text.exit()).as(text.err()).isZero();
            assertThat(text.out())
                    .contains("gpu0: sample on " + dir.resolve("s.sock"))
                    .contains("client: pid " + ProcessHandle.current().pid())
                    .contains("DMA: 1 windows, 1 MiB mapped")
                    .contains("REQ 1/1")
                    .contains("DMA_MAP 1")
                    .contains("VERSION 1");
            Ctl json = ctl("status", "--json");
            assertThat(json.out()).contains("\"dma-bytes\" : 1048576").contains("\"kind\" : \"REQ\"");
            Ctl stall = ctl("inject", "gpu0", "stall", "--for", "50");
            assertThat(stall.out()).contains("gpu0: stalled for 50 ms");
            Ctl bad = ctl("inject", "gpu0", "reset-fail");
            assertThat(bad.exit()).isEqualTo(1);
            assertThat(bad.err()).contains("cannot simulate reset-fail");
            assertThat(ctl("inject", "gpu0", "melt").err()).contains("'melt' is not a fault");
            assertThat(ctl("recover", "gpu7").err()).contains("no device \"gpu7\"; served: gpu0");
            assertThat(serve.terminate()).isZero(); // REQ is armed; this client ignores it, so 1 s later serve stops
            assertThat(serve.err())
                    .contains("gpu0: asked the client to release the device (REQ interrupt)")
                    .contains("the client was asked through its REQ interrupt");
            assertThat(req.await(Duration.ZERO)).isTrue();
        }
        assertThat(dir.resolve("control.sock")).doesNotExist();
    }

    @Test
    @DisplayName("PCI-10.7 SIGTERM with a client that armed REQ: the client is asked, lets go, serve exits 0")
    void sigtermReq() throws Exception {
        try (ServeProcess serve = serve("--detach-timeout", "60s");
                EventFd req = EventFd.create()) {
            VfioUserClient client = VfioUserClient.connect(dir.resolve("s.sock"));
            client.setIrqEventfds(Vfio.PCI_REQ_IRQ_INDEX, 0, List.of(req.fd()));
            Thread letGo = Thread.ofVirtual().start(() -> {
                try {
                    if (req.await(Duration.ofSeconds(60))) {
                        client.close(); // what a VMM does once its guest released the device
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            serve.process.destroy();
            assertThat(exitWithin(serve, Duration.ofSeconds(60))).isZero();
            letGo.join();
            assertThat(serve.err())
                    .contains("gpu0: detached (the client let go")
                    .contains("jvfio: stopped");
        }
    }

    @Test
    @DisplayName(
            "SIGTERM with --qmp: device_del gpu0 on QEMU's QMP socket, the client goes, serve logs DEVICE_DELETED and exits 0")
    void sigtermQmp() throws Exception {
        Path qmp = dir.resolve("qmp.sock");
        VfioUserClient[] client = new VfioUserClient[1];
        try (FakeQmp qemu = new FakeQmp(qmp, cmd -> {
                    try {
                        client[0].close();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                    return List.of(FakeQmp.ok(), FakeQmp.deviceDeleted("gpu0"));
                });
                ServeProcess serve = serve("--qmp", qmp.toString())) {
            client[0] = VfioUserClient.connect(dir.resolve("s.sock"));
            serve.process.destroy();
            assertThat(exitWithin(serve, Duration.ofSeconds(60))).isZero();
            assertThat(qemu.commands.get(1).toString())
                    .isEqualTo("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"gpu0\"}}");
            assertThat(serve.err()).contains("accepted device_del").contains("gpu0: detached");
        }
    }

    @Test
    @DisplayName(
            "SIGTERM when QEMU refuses device_del: serve gives up after --detach-timeout, names gpu0 and the slot, exits 0")
    void sigtermTimeout() throws Exception {
        Path qmp = dir.resolve("qmp.sock");
        try (FakeQmp qemu = new FakeQmp(
                        qmp,
                        cmd -> List.of(FakeQmp.error("GenericError", "Bus 'pcie.0' does not support hotplugging")));
                ServeProcess serve = serve("--qmp", qmp.toString(), "--detach-timeout", "1s");
                VfioUserClient client = VfioUserClient.connect(dir.resolve("s.sock"))) {
            serve.process.destroy();
            assertThat(exitWithin(serve, Duration.ofSeconds(60))).isZero();
            assertThat(serve.err())
                    .contains("gpu0: did not detach: still attached after")
                    .contains("not in a hot-pluggable slot")
                    .contains("stopping anyway");
        }
    }

    @Test
    @DisplayName("a second SIGTERM stops at once, however long --detach-timeout is")
    void secondSignal() throws Exception {
        Path qmp = dir.resolve("qmp.sock");
        try (FakeQmp qemu = new FakeQmp(qmp, cmd -> List.of(FakeQmp.ok()));
                ServeProcess serve = serve("--qmp", qmp.toString(), "--detach-timeout", "60m");
                VfioUserClient client = VfioUserClient.connect(dir.resolve("s.sock"))) {
            serve.process.destroy();
            serve.awaitErr(e -> e.contains("accepted device_del"), "the unplug request");
            serve.process.destroy();
            assertThat(exitWithin(serve, Duration.ofSeconds(60))).isZero();
            assertThat(serve.err()).contains("again: stopping now").contains("not waited for");
        }
    }
}
