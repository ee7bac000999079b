package dev.jvfio.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvfio.Seeds;
import dev.jvfio.TempDirs;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.procfs.OpenFiles;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DmaMapMessage;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.SetIrqsMessage;
import dev.jvfio.transport.UnixConnection;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy between a raw client socket and a raw server socket ({@link Upstream}): what arrives on
 * one side is exactly what was sent on the other, messages and descriptors, whatever the bytes say.
 */
@Timeout(120)
class TraceForwardingTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A random message: header fields anything (size below 16 sometimes), payload random bytes. */
    private static byte[] randomMessage(Random r) {
        int payload = r.nextInt(4) == 0 ? r.nextInt(4096) : r.nextInt(48);
        int declared = 16 + payload;
        if (r.nextInt(12) == 0) {
            payload = 0;
            declared = r.nextInt(16); // the proxy frames it as the 16-byte header
        }
        byte[] m = new byte[16 + payload];
        r.nextBytes(m);
        int[] flags = {0, 0, 1, 1, 0x10, 0x21, r.nextInt()};
        ByteBuffer.wrap(m)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putShort(0, (short) r.nextInt(1 << 16))
                .putShort(2, (short) r.nextInt(20))
                .putInt(4, declared)
                .putInt(8, flags[r.nextInt(flags.length)])
                .putInt(12, r.nextInt(3) == 0 ? r.nextInt(140) : 0);
        return m;
    }

    /** Sends the bytes in random pieces from another thread (the receiver reads meanwhile). */
    private static CompletableFuture<Void> sendInPieces(UnixConnection to, byte[] stream, Random r) {
        int[] cuts = r.ints(stream.length / 300 + 1, 1, 700).toArray();
        return CompletableFuture.runAsync(() -> {
            try {
                int at = 0;
                for (int i = 0; at < stream.length; i = (i + 1) % cuts.length) {
                    int n = Math.min(cuts[i], stream.length - at);
                    to.send(MemorySegment.ofArray(stream).asSlice(at, n));
                    at += n;
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    private static byte[] receive(UnixConnection from, int bytes) throws Exception {
        byte[] got = new byte[bytes];
        from.receiveFully(MemorySegment.ofArray(got), null, 0);
        return got;
    }

    private static String hexOf(List<JsonNode> messages, String dir) {
        StringBuilder sb = new StringBuilder();
        messages.stream()
                .filter(m -> m.get("dir").asText().equals(dir))
                .forEach(m -> sb.append(m.get("hex").asText()));
        return sb.toString();
    }

    @Test
    @DisplayName(
            "TRACE-1 VU-2.1 random messages (any header, any size field, sent in any pieces) arrive byte for byte both ways; the JSON holds each message once")
    void trace1_byteForByte() throws Exception {
        long seed = Seeds.of(0x7ace_0001L);
        Random r = new Random(seed);
        List<byte[]> toServer = new ArrayList<>();
        List<byte[]> toClient = new ArrayList<>();
        ByteArrayOutputStream up = new ByteArrayOutputStream();
        ByteArrayOutputStream down = new ByteArrayOutputStream();
        for (int i = 0; i < 300; i++) {
            byte[] a = randomMessage(r);
            toServer.add(a);
            up.writeBytes(a);
            byte[] b = randomMessage(r);
            toClient.add(b);
            down.writeBytes(b);
        }
        Traced t;
        try (Upstream upstream = Upstream.start()) {
            t = Traced.start(upstream.socket());
            try (UnixConnection client = UnixConnection.connect(t.socket());
                    UnixConnection server = upstream.accept()) {
                client.receiveTimeout(Duration.ofSeconds(10));
                CompletableFuture<Void> sending = sendInPieces(client, up.toByteArray(), r);
                assertThat(receive(server, up.size())).as("seed " + seed).isEqualTo(up.toByteArray());
                sending.join();
                sending = sendInPieces(server, down.toByteArray(), r);
                assertThat(receive(client, down.size())).as("seed " + seed).isEqualTo(down.toByteArray());
                sending.join();
            }
            t.awaitIdle();
            t.close();
        }
        List<JsonNode> messages = t.messages();
        assertThat(messages.stream()
                        .filter(m -> m.get("dir").asText().equals("C->S"))
                        .count())
                .isEqualTo(toServer.size());
        assertThat(messages.stream()
                        .filter(m -> m.get("dir").asText().equals("S->C"))
                        .count())
                .isEqualTo(toClient.size());
        assertThat(hexOf(messages, "C->S"))
                .as("seed " + seed)
                .isEqualTo(HexFormat.of().formatHex(up.toByteArray()));
        assertThat(hexOf(messages, "S->C"))
                .as("seed " + seed)
                .isEqualTo(HexFormat.of().formatHex(down.toByteArray()));
        JsonNode close = t.events().getLast();
        assertThat(close.get("C->S").get("messages").asInt()).isEqualTo(toServer.size());
        assertThat(close.get("C->S").get("bytes").asLong()).isEqualTo(up.size());
        assertThat(close.get("S->C").get("bytes").asLong()).isEqualTo(down.size());
    }

    @Test
    @DisplayName(
            "TRACE-2 VU-1.1 fds pass both ways, 16 in one message too, as the same open files: memory written on one side is read on the other, eventfds signal across")
    void trace2_fdsAreTheSameOpenFiles() throws Exception {
        TempDirs.delete(TempDirs.create()); // the JVM opens /dev/random and /dev/urandom for the first temp name
        int openBefore = OpenFiles.count();
        Traced t;
        try (Upstream upstream = Upstream.start();
                Arena arena = Arena.ofConfined();
                Fd guest = Memfd.create("guest", 4096);
                MappedMemory guestMap = MappedMemory.map(guest, 0, 4096, true);
                Fd bar = Memfd.create("bar", 4096);
                MappedMemory barMap = MappedMemory.map(bar, 0, 4096, true)) {
            t = Traced.start(upstream.socket());
            List<EventFd> events = new ArrayList<>();
            try (UnixConnection client = UnixConnection.connect(t.socket());
                    UnixConnection server = upstream.accept()) {
                client.receiveTimeout(Duration.ofSeconds(10));
                // C->S: a DMA_MAP with the guest's memfd; the server writes through its own mapping
                MemorySegment map = arena.allocate(DmaMapMessage.SIZE);
                DmaMapMessage.encode(map, 1, DmaMapMessage.FLAG_READ | DmaMapMessage.FLAG_WRITE, 0, 0x1000_0000L, 4096);
                client.send(map, List.of(guest));
                List<Fd> got = new ArrayList<>();
                server.receiveFully(arena.allocate(DmaMapMessage.SIZE), got, 20);
                assertThat(got).hasSize(1);
                try (Fd theirs = got.getFirst();
                        MappedMemory serverView = MappedMemory.map(theirs, 0, 4096, true)) {
                    serverView.segment().set(U32, 100, 0xfeedf00d);
                    assertThat(guestMap.segment().get(U32, 100)).isEqualTo(0xfeedf00d);
                }
                // C->S: SET_IRQS with 16 eventfds; the server signals each, the client sees each
                for (int i = 0; i < 16; i++) {
                    events.add(EventFd.create());
                }
                MemorySegment irqs = arena.allocate(SetIrqsMessage.SIZE);
                SetIrqsMessage.encode(
                        irqs,
                        2,
                        Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER,
                        Vfio.PCI_MSIX_IRQ_INDEX,
                        0,
                        16,
                        null);
                client.send(irqs, events.stream().map(EventFd::fd).toList());
                got.clear();
                server.receiveFully(arena.allocate(SetIrqsMessage.SIZE), got, 20);
                assertThat(got).hasSize(16);
                for (int i = 0; i < 16; i++) {
                    EventFd.signal(got.get(i));
                    assertThat(events.get(i).await(Duration.ofSeconds(10)))
                            .as("eventfd " + i)
                            .isTrue();
                    got.get(i).close();
                }
                // S->C: a region-info-like reply with the server's memfd; the client writes, the server reads
                MemorySegment reply = arena.allocate(48);
                Header.reply(reply, 3, Command.DEVICE_GET_REGION_INFO, 48);
                reply.set(U32, 16, 32);
                server.send(reply, List.of(bar));
                got.clear();
                client.receiveFully(arena.allocate(48), got, 20);
                assertThat(got).hasSize(1);
                try (Fd theirs = got.getFirst();
                        MappedMemory clientView = MappedMemory.map(theirs, 0, 4096, true)) {
                    clientView.segment().set(U32, 200, 0x0ddba11);
                    assertThat(barMap.segment().get(U32, 200)).isEqualTo(0x0ddba11);
                }
            } finally {
                events.forEach(EventFd::close);
            }
            t.awaitIdle();
            t.close();
        }
        List<JsonNode> messages = t.messages();
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0).get("fd_kinds").toString()).isEqualTo("[\"memfd\"]");
        assertThat(messages.get(1).get("nfds").asInt()).isEqualTo(16);
        assertThat(messages.get(1).get("fd_kinds"))
                .allSatisfy(k -> assertThat(k.asText()).isEqualTo("eventfd"));
        assertThat(messages.get(2).get("fd_kinds").toString()).isEqualTo("[\"memfd\"]");
        assertThat(t.events().getLast().get("C->S").get("fds").asInt()).isEqualTo(17);
        assertThat(OpenFiles.count())
                .as("the proxy closed its copies of the 18 fds and both sockets")
                .isEqualTo(openBefore);
    }

    @Test
    @DisplayName(
            "TRACE-3 VU-1.4 a client that disconnects disconnects the server side; a server that disconnects disconnects the client; half a message is forwarded first")
    void trace3_disconnectClosesTheOtherSide() throws Exception {
        Traced t;
        byte[] half = {1, 0, 9, 0, 32, 0, 0, 0, 0, 0};
        try (Upstream upstream = Upstream.start()) {
            t = Traced.start(upstream.socket());
            MemorySegment buf = MemorySegment.ofArray(new byte[64]);
            try (UnixConnection client = UnixConnection.connect(t.socket());
                    UnixConnection server = upstream.accept()) {
                client.close();
                assertThat(server.receive(buf, null, 0))
                        .as("the server sees end of file")
                        .isZero();
            }
            t.awaitIdle();
            try (UnixConnection client = UnixConnection.connect(t.socket());
                    UnixConnection server = upstream.accept()) {
                client.receiveTimeout(Duration.ofSeconds(10));
                server.close();
                assertThat(client.receive(buf, null, 0))
                        .as("the client sees end of file")
                        .isZero();
            }
            t.awaitIdle();
            try (UnixConnection client = UnixConnection.connect(t.socket());
                    UnixConnection server = upstream.accept()) {
                client.send(MemorySegment.ofArray(half));
                client.close();
                assertThat(receive(server, half.length)).isEqualTo(half);
                assertThat(server.receive(buf, null, 0)).isZero();
            }
            t.awaitIdle();
            t.close();
        }
        List<JsonNode> closes = t.events().stream()
                .filter(e -> e.path("event").asText().equals("close"))
                .toList();
        assertThat(closes)
                .extracting(e -> e.get("reason").asText())
                .containsExactly(
                        "client closed the connection",
                        "server closed the connection",
                        "client closed the connection in the middle of a message (10 of a header)");
        JsonNode part = t.messages().getLast();
        assertThat(part.get("hex").asText()).isEqualTo(HexFormat.of().formatHex(half));
        assertThat(part.get("problems").get(0).asText()).isEqualTo("the client closed after 10 bytes of a header");
        assertThat(t.text()).contains("conn3 -- closed (client closed the connection in the middle of a message");
    }

    @Test
    @DisplayName(
            "TRACE-4 VU-2.1 malformed messages are forwarded unchanged and flagged: size below the header, unknown command, bad SET_IRQS, a read with extra bytes, a reply to nothing")
    void trace4_malformedForwardedAndFlagged() throws Exception {
        Traced t;
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        byte[] reply;
        try (Upstream upstream = Upstream.start();
                Arena arena = Arena.ofConfined()) {
            t = Traced.start(upstream.socket());
            try (UnixConnection client = UnixConnection.connect(t.socket());
                    UnixConnection server = upstream.accept()) {
                client.receiveTimeout(Duration.ofSeconds(10));
                List<byte[]> bad = new ArrayList<>();
                MemorySegment m = arena.allocate(16);
                Header.request(m, 1, Command.DEVICE_RESET, 8, false);
                bad.add(m.toArray(ValueLayout.JAVA_BYTE));
                Header.request(m, 2, 77, 16, false);
                bad.add(m.toArray(ValueLayout.JAVA_BYTE));
                MemorySegment irqs = arena.allocate(SetIrqsMessage.SIZE + 1);
                int n = SetIrqsMessage.encode(
                        irqs,
                        3,
                        Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_DATA_BOOL | Vfio.IRQ_SET_ACTION_TRIGGER,
                        0,
                        0,
                        1,
                        null);
                bad.add(irqs.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                MemorySegment read = arena.allocate(40);
                Header.request(read, 4, Command.REGION_READ, 40, false);
                read.set(U32, 28, 4);
                bad.add(read.toArray(ValueLayout.JAVA_BYTE));
                for (byte[] b : bad) {
                    client.send(MemorySegment.ofArray(b));
                    sent.writeBytes(b);
                }
                assertThat(receive(server, sent.size())).isEqualTo(sent.toByteArray());
                MemorySegment stray = arena.allocate(16);
                Header.reply(stray, 999, Command.REGION_READ, 16);
                reply = stray.toArray(ValueLayout.JAVA_BYTE);
                server.send(stray);
                assertThat(receive(client, 16)).isEqualTo(reply);
            }
            t.awaitIdle();
            t.close();
        }
        List<JsonNode> messages = t.messages();
        assertThat(messages).hasSize(5);
        assertThat(messages)
                .allSatisfy(m -> assertThat(m.has("problems")).as(m.toString()).isTrue());
        assertThat(messages.get(0).get("problems").get(0).asText()).contains("size 8 is below the 16-byte header");
        assertThat(messages.get(1).get("problems").get(0).asText()).isEqualTo("unknown command 77");
        assertThat(messages.get(2).get("problems").get(0).asText()).isEqualTo("DEVICE_SET_IRQS rejected (EINVAL)");
        assertThat(messages.get(3).get("problems").get(0).asText()).isEqualTo("REGION_READ rejected (EINVAL)");
        assertThat(messages.get(4).get("problems").get(0).asText()).isEqualTo("a reply to no pending request");
        assertThat(t.events().getLast().get("C->S").get("malformed").asInt()).isEqualTo(4);
        assertThat(t.text().lines().filter(l -> l.contains(" !! ")).count()).isEqualTo(5);
    }

    @Test
    @DisplayName("TRACE-4 a message above 16 MiB is forwarded in chunks as it comes, unchanged, without decoding it")
    void trace4_oversizedMessageStreamed() throws Exception {
        int size = (17 << 20) + 5;
        byte[] big = new byte[size];
        new Random(Seeds.of(0x7ace_0004L)).nextBytes(big);
        ByteBuffer.wrap(big)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putShort(0, (short) 1)
                .putShort(2, (short) Command.REGION_WRITE)
                .putInt(4, size)
                .putInt(8, 0)
                .putInt(12, 0);
        Traced t;
        try (Upstream upstream = Upstream.start()) {
            t = Traced.start(upstream.socket(), false, false, CommandFilter.all());
            try (UnixConnection client = UnixConnection.connect(t.socket());
                    UnixConnection server = upstream.accept()) {
                CompletableFuture<Void> sending = sendInPieces(client, big, new Random(1));
                assertThat(receive(server, size)).isEqualTo(big);
                sending.join();
            }
            t.awaitIdle();
            t.close();
        }
        assertThat(t.text())
                .containsPattern(
                        "C->S #1 +REGION_WRITE +request +!! size 17825797 is above the 16 MiB the proxy decodes")
                .contains(size + " bytes)");
    }

    @Test
    @DisplayName("TRACE-3 a client whose server cannot be reached is disconnected at once; the connect line says why")
    void trace3_serverUnreachable() throws Exception {
        Path nowhere =
                Path.of("/tmp/jvfio-no-such-server-" + ProcessHandle.current().pid() + ".sock");
        Traced t = Traced.start(nowhere);
        try (UnixConnection client = UnixConnection.connect(t.socket())) {
            client.receiveTimeout(Duration.ofSeconds(10));
            assertThat(client.receive(MemorySegment.ofArray(new byte[16]), null, 0))
                    .isZero();
        }
        t.close();
        JsonNode connect = t.events().getFirst();
        assertThat(connect.get("event").asText()).isEqualTo("connect");
        assertThat(connect.get("failure").asText()).contains("connect").contains(nowhere.toString());
        assertThat(t.text())
                .contains("conn1 -- client pid " + ProcessHandle.current().pid(), "cannot connect to " + nowhere);
    }
}
