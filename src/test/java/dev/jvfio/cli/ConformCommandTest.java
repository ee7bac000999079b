package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvfio.TempDirs;
import dev.jvfio.conform.Catalogue;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import dev.jvfio.transport.SocketAccess;
import dev.jvfio.transport.UnixConnection;
import dev.jvfio.transport.UnixServerSocket;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code jvfio conform}: lines or JSON, --only, and the exit codes 0, 1 and 2. */
class ConformCommandTest {
    Path dir;

    @BeforeEach
    void makeDir() throws Exception {
        dir = TempDirs.create();
    }

    @AfterEach
    void removeDir() throws Exception {
        TempDirs.delete(dir);
    }

    record Run(int exit, String out, String err) {}

    static Run conform(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] argv = new String[args.length + 1];
        argv[0] = "conform";
        System.arraycopy(args, 0, argv, 1, args.length);
        int exit = cl.execute(argv);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    @DisplayName("against the sample device: a line per check, the cleanup and the summary; exit 0")
    void linesAndExitZero() throws Exception {
        Path socket = dir.resolve("s.sock");
        try (VfioDevice device = DeviceProfiles.create(GpuOptions.defaults().withProfile("sample"));
                VfioUserServer server = VfioUserServer.start(socket, device, ServerOptions.defaults())) {
            Run r = conform("--socket", socket.toString());
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out().lines().filter(l -> l.matches("(PASS|FAIL|SKIP) VU-\\d.*")))
                    .hasSize(Catalogue.all().size());
            assertThat(r.out())
                    .contains(
                            "PASS VU-3.2/minor-zero", "PASS VU-7.2/probe", "cleanup: DEVICE_RESET done", " 0 failed, ");

            Run only = conform("--socket", socket.toString(), "--only", "VU-3.1,VU-6.1/overlap-refused", "--json");
            assertThat(only.exit()).as(only.toString()).isZero();
            JsonNode json = new ObjectMapper().readTree(only.out());
            assertThat(json.get("checks")).hasSize(5);
            assertThat(json.get("checks").get(4).get("id").asText()).isEqualTo("VU-6.1/overlap-refused");
            assertThat(json.get("checks").get(4).get("status").asText()).isEqualTo("PASS");
            assertThat(json.get("checks").get(4).get("spec").asText()).isEqualTo("vfio-user.rst: VFIO_USER_DMA_MAP");
            assertThat(json.at("/summary/pass").asInt()).isEqualTo(5);
            assertThat(json.at("/summary/fail").asInt()).isZero();
        }
    }

    @Test
    @DisplayName("a server that refuses every VERSION fails every check: exit 1")
    void failingServerExitsOne() throws Exception {
        Path socket = dir.resolve("r.sock");
        try (UnixServerSocket listener = UnixServerSocket.listen(socket, SocketAccess.ownerOnly())) {
            Thread refuser = Thread.ofPlatform().daemon().start(() -> refuseEveryone(listener));
            Run r = conform("--socket", socket.toString(), "--only", "VU-3.2/minor-zero,VU-4.1", "--timeout", "5s");
            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.out())
                    .contains(
                            "FAIL VU-3.2/minor-zero",
                            "VERSION was refused with EPERM",
                            "FAIL VU-4.1/device-info",
                            "could not open a session: the server refused VERSION 0.0 with EPERM",
                            "0 passed, 2 failed, 0 skipped");
            listener.close();
            refuser.join(5000);
        }
    }

    /** Reads each client's first message and answers it with an EPERM error reply. */
    static void refuseEveryone(UnixServerSocket listener) {
        while (true) {
            try (UnixConnection c = listener.accept()) {
                byte[] head = new byte[16];
                c.receiveFully(MemorySegment.ofArray(head), null, 0);
                int size = (head[4] & 0xFF) | (head[5] & 0xFF) << 8;
                if (size > 16) {
                    c.receiveFully(MemorySegment.ofArray(new byte[size - 16]), null, 0);
                }
                byte[] reply = head.clone();
                reply[4] = 16;
                reply[5] = 0;
                reply[8] = 0x21;
                reply[12] = 1; // EPERM
                c.send(MemorySegment.ofArray(reply));
            } catch (Exception e) {
                return;
            }
        }
    }

    @Test
    @DisplayName("no server at the socket is exit 1; an --only id that names no check, or no --socket, is exit 2")
    void unreachableAndUsage() {
        Run none = conform("--socket", dir.resolve("nobody.sock").toString());
        assertThat(none.exit()).as(none.toString()).isEqualTo(1);
        assertThat(none.err()).contains("cannot connect");

        Run unknown = conform("--socket", dir.resolve("nobody.sock").toString(), "--only", "VU-42");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("--only: no check has the id 'VU-42'");

        assertThat(conform().exit()).isEqualTo(2);
    }

    @Test
    @DisplayName("jvfio conform as a user runs it, against jvfio serve --profile gb200 in another process: 0 failed")
    void againstAServeProcess() throws Exception {
        Path socket = dir.resolve("gpu0.sock");
        try (ServeProcess serve = new ServeProcess(
                dir, Map.of(), "--socket", socket.toString(), "--profile", "gb200", "--mem-size", "1G")) {
            serve.awaitReady();
            CliProcess.Result r = CliProcess.run("conform", "--socket", socket.toString(), "--timeout", "30s");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("PASS VU-6.1/overlap-refused", "cleanup: DEVICE_RESET done", " 0 failed, ");
            assertThat(serve.err()).contains("reset");
        }
    }
}
