package dev.jvfio.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvfio.procfs.OpenFiles;
import dev.jvfio.server.ServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Nothing a control client sends can crash serve's control socket, leak an fd or leave it unable to
 * answer: seeded random bytes, random JSON, mutated requests, endless lines, idle peers holding
 * every slot, a peer whose uid is not allowed.
 */
class ControlSocketHostileTest {
    static final long SEED = 0x5EED_C0DEL;
    Path dir;
    ControlServer server;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    FakeServed gpu0 = new FakeServed("gpu0", true, false, null);

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "ctl");
        server = start(ServerOptions.defaults().allowedUids());
    }

    ControlServer start(Set<Integer> uids) throws IOException {
        ControlHandler h = new ControlHandler(List.of(gpu0), Duration.ofMillis(200), log::add);
        return ControlServer.start(dir.resolve("control.sock"), uids, h, log::add);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        Files.deleteIfExists(dir.resolve("control.sock"));
        Files.deleteIfExists(dir);
    }

    /** Sends bytes, half-closes, returns everything the server answered before closing. */
    String exchange(byte[] request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("control.sock")))) {
            ByteBuffer b = ByteBuffer.wrap(request);
            try {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.shutdownOutput();
            } catch (IOException e) {
                // the server may answer and close before reading all of an overlong request
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(8192);
            int n;
            try {
                while ((n = ch.read(in.clear())) > 0) {
                    out.write(in.array(), 0, n);
                }
            } catch (IOException e) {
                // reset by the server after its answer
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** No answer (nothing was sent), or one JSON line with "ok". */
    static void assertAnswerShape(String answer) throws IOException {
        if (answer.isEmpty()) {
            return;
        }
        assertThat(answer).endsWith("\n");
        assertThat(answer.strip()).doesNotContain("\n");
        JsonNode n = ControlRequest.JSON.readTree(answer);
        assertThat(n.path("ok").isBoolean()).as(answer).isTrue();
        if (!n.path("ok").asBoolean()) {
            assertThat(n.path("error").asText()).isNotBlank();
        }
    }

    @Test
    @DisplayName(
            "seeded random bytes, random JSON and mutated requests: each gets one well-formed answer or none; serve answers status after")
    void randomInput() throws Exception {
        Random r = new Random(SEED);
        exchange("{\"command\":\"status\"}\n".getBytes(StandardCharsets.UTF_8)); // warm up lazily created state
        int fdsBefore = OpenFiles.count();
        for (int i = 0; i < 400; i++) {
            byte[] req = switch (i % 4) {
                case 0 -> randomBytes(r);
                case 1 -> (randomJson(r, 0) + "\n").getBytes(StandardCharsets.UTF_8);
                case 2 -> mutate(r, validRequest(r));
                default -> (validRequest(r) + (r.nextBoolean() ? "\n" : "")).getBytes(StandardCharsets.UTF_8);
            };
            assertAnswerShape(exchange(req));
        }
        String answer = exchange("{\"command\":\"status\"}\n".getBytes(StandardCharsets.UTF_8));
        JsonNode status = ControlRequest.JSON.readTree(answer);
        assertThat(status.path("ok").asBoolean())
                .as("answer %s, server log %s", answer, log)
                .isTrue();
        assertThat(status.path("devices").get(0).path("name").asText()).isEqualTo("gpu0");
        assertThat(awaitFds(fdsBefore)).as("no fd leaked").isLessThanOrEqualTo(fdsBefore);
    }

    int awaitFds(int target) throws InterruptedException {
        int n = OpenFiles.count();
        for (int i = 0; i < 200 && n > target; i++) { // the last requests' threads may still be closing
            Thread.sleep(10);
            n = OpenFiles.count();
        }
        return n;
    }

    @Test
    @DisplayName("a line longer than 4096 bytes, invalid UTF-8 or no newline gets an error answer, not a hang")
    void malformedLines() throws Exception {
        String longLine = exchange(("{\"command\":\"" + "x".repeat(5000) + "\"}\n").getBytes(StandardCharsets.UTF_8));
        assertThat(longLine).contains("longer than 4096");
        assertThat(exchange(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}', '\n'}))
                .contains("not UTF-8");
        assertThat(exchange("{\"command\":\"status\"}".getBytes(StandardCharsets.UTF_8)))
                .contains("newline");
        assertThat(exchange(new byte[0])).isEmpty();
    }

    @Test
    @DisplayName(
            "idle peers holding every slot: the next one is told the server is busy; slots come back when they leave")
    void busy() throws Exception {
        List<SocketChannel> idle = new ArrayList<>();
        try {
            for (int i = 0; i < ControlServer.MAX_CONNECTIONS; i++) {
                idle.add(SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("control.sock"))));
            }
            String answer = "";
            for (int tries = 0; tries < 100 && !answer.contains("busy"); tries++) {
                answer = exchange("{\"command\":\"status\"}\n".getBytes(StandardCharsets.UTF_8));
                Thread.sleep(10); // until the server has accepted all idle peers
            }
            assertThat(answer).contains("busy");
        } finally {
            for (SocketChannel c : idle) {
                c.close();
            }
        }
        String answer = "";
        for (int tries = 0; tries < 200 && !answer.contains("\"ok\":true"); tries++) {
            answer = exchange("{\"command\":\"status\"}\n".getBytes(StandardCharsets.UTF_8));
            Thread.sleep(10);
        }
        assertThat(answer).contains("\"ok\":true");
    }

    @Test
    @DisplayName("VU-1.3 a peer whose uid is not allowed is refused with a message; the requests do nothing")
    void uidNotAllowed() throws Exception {
        server.close();
        server = start(Set.of(-12345));
        String answer = exchange(
                "{\"command\":\"inject\",\"device\":\"gpu0\",\"fault\":\"error\"}\n".getBytes(StandardCharsets.UTF_8));
        assertThat(answer).contains("may not use this control socket");
        assertThat(gpu0.lastFault).isNull();
    }

    @Test
    @DisplayName("inject, recover, unplug and an unknown device answer as the handler says")
    void commands() throws Exception {
        assertThat(exchange(line("{\"command\":\"inject\",\"device\":\"gpu0\",\"fault\":\"stall\",\"for-ms\":5}")))
                .contains("injected stall 5");
        assertThat(exchange(line("{\"command\":\"inject\",\"device\":\"gpu0\",\"fault\":\"reset-fail\"}")))
                .contains("cannot simulate reset-fail");
        assertThat(exchange(line("{\"command\":\"recover\",\"device\":\"gpu0\"}")))
                .contains("recovered");
        assertThat(exchange(line("{\"command\":\"recover\",\"device\":\"gpu9\"}")))
                .contains("no device \\\"gpu9\\\"");
        assertThat(exchange(line("{\"command\":\"unplug\",\"device\":\"gpu0\"}")))
                .contains("\"detached\":false")
                .contains("REQ interrupt");
    }

    static byte[] line(String s) {
        return (s + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] randomBytes(Random r) {
        byte[] b = new byte[r.nextInt(r.nextBoolean() ? 64 : 6000)];
        r.nextBytes(b);
        return b;
    }

    static String validRequest(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> "{\"command\":\"status\"}";
            case 1 -> "{\"command\":\"unplug\",\"device\":\"gpu" + r.nextInt(3) + "\"}";
            case 2 ->
                "{\"command\":\"inject\",\"device\":\"gpu0\",\"fault\":\"stall\",\"for-ms\":" + (r.nextInt(3) - 1)
                        + "}";
            case 3 ->
                "{\"command\":\"inject\",\"device\":\"gpu0\",\"fault\":\""
                        + List.of("error", "fall-off-bus", "reset-fail", "x").get(r.nextInt(4)) + "\"}";
            default -> "{\"command\":\"recover\",\"device\":\"gpu0\"}";
        };
    }

    static byte[] mutate(Random r, String valid) {
        byte[] b = (valid + "\n").getBytes(StandardCharsets.UTF_8);
        for (int k = r.nextInt(4) + 1; k > 0; k--) {
            b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
        return b;
    }

    static String randomJson(Random r, int depth) {
        int pick = depth > 30 ? r.nextInt(4) : r.nextInt(7);
        return switch (pick) {
            case 0 -> "null";
            case 1 -> Long.toString(r.nextLong());
            case 2 -> r.nextBoolean() ? "true" : "1e400";
            case 3 -> "\"" + randomString(r) + "\"";
            case 4 -> "[" + randomJson(r, depth + 1) + "]";
            default -> {
                StringBuilder sb = new StringBuilder("{");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    String key = List.of("command", "device", "fault", "for-ms", randomString(r))
                            .get(r.nextInt(5));
                    sb.append(i > 0 ? "," : "")
                            .append('"')
                            .append(key)
                            .append("\":")
                            .append(randomJson(r, depth + 1));
                }
                yield sb.append('}').toString();
            }
        };
    }

    static String randomString(Random r) {
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(12); i > 0; i--) {
            int c = r.nextInt(4) == 0 ? r.nextInt(0x20) : 0x20 + r.nextInt(0x3000);
            sb.append(c < 0x20 || c == '"' || c == '\\' ? String.format("\\u%04x", c) : String.valueOf((char) c));
        }
        return sb.toString();
    }
}
