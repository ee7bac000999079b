package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.Wire;
import dev.jvfio.transport.UnixConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays the client-to-server messages of real vfio-user sessions (libvfio-user's sample client,
 * QEMU 10.2 booting a guest) against our server with the RAM test device. Each fd the original
 * client passed is replaced by a fresh memfd (large enough for the DMA window) or eventfd.
 * Every reply must be well-formed, and the handshake and discovery commands must succeed where
 * they succeeded against the original server.
 */
@Timeout(300)
class TraceReplayTest {
    private static final Set<Integer> MUST_SUCCEED = Set.of(
            Command.VERSION,
            Command.DEVICE_GET_INFO,
            Command.DEVICE_GET_REGION_INFO,
            Command.DEVICE_GET_IRQ_INFO,
            Command.DMA_MAP,
            Command.DMA_UNMAP,
            Command.DEVICE_SET_IRQS,
            Command.DEVICE_RESET);

    /** The captured sessions, beside this class in the test resources (see the README there). */
    private static final String TRACES = "traces";

    record Message(byte[] bytes, List<String> fdKinds) {
        MemorySegment segment() {
            return MemorySegment.ofArray(bytes);
        }
    }

    record Connection(List<Message> requests, List<Message> replies) {}

    static Stream<Path> traces() throws IOException, URISyntaxException {
        URL traces = TraceReplayTest.class.getResource(TRACES);
        assertThat(traces).as("test resource directory " + TRACES).isNotNull();
        Path dir = Path.of(traces.toURI());
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> l =
                    s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
            assertThat(l).isNotEmpty();
            return l.stream();
        }
    }

    /** Concatenates each direction of each connection and cuts it into messages by the size field. */
    static Map<String, Connection> parse(Path trace) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, ByteArrayOutputStream> bytes = new LinkedHashMap<>();
        Map<String, List<long[]>> fdMarks = new HashMap<>(); // (offset, index into kinds)
        Map<String, List<String>> kinds = new HashMap<>();
        for (String line : Files.readAllLines(trace)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode e = json.readTree(line);
            if (!e.has("hex")) {
                continue;
            }
            String key = e.get("conn").asText() + " " + e.get("dir").asText();
            ByteArrayOutputStream out = bytes.computeIfAbsent(key, k -> new ByteArrayOutputStream());
            for (JsonNode k : e.get("fd_kinds")) {
                fdMarks.computeIfAbsent(key, x -> new ArrayList<>()).add(new long[] {
                    out.size(),
                    kinds.computeIfAbsent(key, x -> new ArrayList<>()).size()
                });
                kinds.get(key).add(k.asText());
            }
            out.writeBytes(HexFormat.of().parseHex(e.get("hex").asText()));
        }
        Map<String, Connection> conns = new LinkedHashMap<>();
        for (String key : bytes.keySet()) {
            String conn = key.substring(0, key.indexOf(' '));
            List<Message> msgs = cut(
                    bytes.get(key).toByteArray(),
                    fdMarks.getOrDefault(key, List.of()),
                    kinds.getOrDefault(key, List.of()));
            Connection c = conns.computeIfAbsent(conn, x -> new Connection(new ArrayList<>(), new ArrayList<>()));
            (key.endsWith("C->S") ? c.requests() : c.replies()).addAll(msgs);
        }
        return conns;
    }

    private static List<Message> cut(byte[] stream, List<long[]> marks, List<String> kinds) {
        List<Message> out = new ArrayList<>();
        int at = 0;
        while (at + Header.SIZE <= stream.length) {
            long size = Header.size(MemorySegment.ofArray(stream).asSlice(at));
            assertThat(size).isBetween((long) Header.SIZE, (long) stream.length - at);
            List<String> fdKinds = new ArrayList<>();
            for (long[] m : marks) {
                if (m[0] >= at && m[0] < at + size) {
                    fdKinds.add(kinds.get((int) m[1]));
                }
            }
            out.add(new Message(Arrays.copyOfRange(stream, at, (int) (at + size)), fdKinds));
            at += (int) size;
        }
        assertThat(at).isEqualTo(stream.length);
        return out;
    }

    static MemorySegment receive(UnixConnection conn, List<Fd> fds) throws IOException {
        byte[] h = new byte[Header.SIZE];
        conn.receiveFully(MemorySegment.ofArray(h), fds, 4);
        long size = Header.size(MemorySegment.ofArray(h));
        assertThat(size).isBetween((long) Header.SIZE, 2L << 20);
        byte[] all = Arrays.copyOf(h, (int) size);
        if (size > Header.SIZE) {
            conn.receiveFully(MemorySegment.ofArray(all).asSlice(Header.SIZE), fds, 4);
        }
        return MemorySegment.ofArray(all);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("traces")
    @DisplayName("VU-2.2 VU-8 replayed client sessions get well-formed replies; discovery succeeds where it did")
    void vu_2_2_replay(Path trace) throws Exception {
        replay(trace);
    }

    /**
     * Replays the client's commands of every connection of a JSON lines trace (this directory's
     * format, which {@code jvfio trace --json} writes) against a fresh RAM server and checks the
     * replies.
     */
    static void replay(Path trace) throws Exception {
        Map<String, Connection> conns = parse(trace);
        int checkedSuccess = 0;
        int replies = 0;
        try (RamServer ram = RamServer.start()) {
            RamDevice device = ram.device();
            VfioUserServer server = ram.server();
            for (Map.Entry<String, Connection> entry : conns.entrySet()) {
                Map<Long, ArrayDeque<Message>> original = new HashMap<>();
                for (Message r : entry.getValue().replies()) {
                    MemorySegment s = r.segment();
                    if (Header.isReply(s)) {
                        original.computeIfAbsent(key(s), k -> new ArrayDeque<>())
                                .add(r);
                    }
                }
                try (UnixConnection conn = UnixConnection.connect(server.socketPath())) {
                    for (Message m : entry.getValue().requests()) {
                        MemorySegment req = m.segment();
                        if (Header.type(req) != Header.TYPE_COMMAND) {
                            continue; // the client's answers to the original server's DMA_READ/WRITE
                        }
                        List<Fd> fds = new ArrayList<>();
                        List<AutoCloseable> owners = new ArrayList<>();
                        try {
                            for (String kind : m.fdKinds()) {
                                if (kind.equals("eventfd")) {
                                    EventFd e = EventFd.create();
                                    owners.add(e);
                                    fds.add(e.fd());
                                } else {
                                    long size = 1 << 20;
                                    if (Header.command(req) == Command.DMA_MAP) {
                                        size = Wire.u64(req, 24) + Wire.u64(req, 40);
                                    }
                                    Fd f = Memfd.create("replay-" + kind, size);
                                    owners.add(f);
                                    fds.add(f);
                                }
                            }
                            conn.send(req, fds);
                        } finally {
                            for (AutoCloseable o : owners) {
                                o.close();
                            }
                        }
                        if (Header.noReply(req)) {
                            continue;
                        }
                        List<Fd> got = new ArrayList<>();
                        MemorySegment reply = receive(conn, got);
                        got.forEach(Fd::close);
                        replies++;
                        String what = entry.getKey() + " " + Header.describe(req) + " -> " + Header.describe(reply);
                        assertThat(Header.id(reply)).as(what).isEqualTo(Header.id(req));
                        assertThat(Header.command(reply)).as(what).isEqualTo(Header.command(req));
                        int flags = Header.flags(reply);
                        assertThat(flags).as(what).isIn(Header.TYPE_REPLY, Header.TYPE_REPLY | Header.FLAG_ERROR);
                        if (Header.isError(reply)) {
                            assertThat(Header.size(reply)).as(what).isEqualTo(Header.SIZE);
                            assertThat(Header.error(reply)).as(what).isPositive();
                        } else {
                            assertThat(Header.size(reply)).as(what).isEqualTo(expectedSize(req, reply));
                        }
                        ArrayDeque<Message> q = original.get(key(req));
                        Message orig = q == null ? null : q.poll();
                        if (MUST_SUCCEED.contains(Header.command(req))
                                && orig != null
                                && !Header.isError(orig.segment())) {
                            assertThat(Header.isError(reply))
                                    .as("succeeded originally: " + what)
                                    .isFalse();
                            checkedSuccess++;
                        }
                    }
                }
                ServerClientTest.awaitTrue(() -> !server.clientAttached());
            }
            assertThat(server.dmaWindows()).isZero();
            assertThat(device.eventfdsHeld()).isZero();
        }
        assertThat(replies).isPositive();
        assertThat(checkedSuccess).as("handshake/discovery replies compared").isGreaterThanOrEqualTo(5);
    }

    private static long key(MemorySegment m) {
        return ((long) Header.id(m) << 16) | Header.command(m);
    }

    /** The size a successful reply of ours must have. */
    private static long expectedSize(MemorySegment req, MemorySegment reply) {
        return switch (Header.command(req)) {
            case Command.DEVICE_GET_INFO,
                    Command.DEVICE_GET_IRQ_INFO,
                    Command.DEVICE_GET_REGION_IO_FDS,
                    Command.REGION_WRITE -> 32;
            case Command.DMA_UNMAP -> 40;
            case Command.REGION_READ -> 32 + Wire.u32l(req, 28);
            case Command.DEVICE_GET_REGION_INFO ->
                Header.SIZE
                        + (Wire.u32l(req, 16) >= Wire.u32l(reply, 16)
                                ? Wire.u32l(reply, 16)
                                : 32); // VU-4.2: the fixed struct when argsz is too small
            case Command.VERSION -> {
                assertThat(reply.get(ValueLayout.JAVA_BYTE, reply.byteSize() - 1))
                        .isZero();
                yield reply.byteSize();
            }
            default -> 16;
        };
    }
}
