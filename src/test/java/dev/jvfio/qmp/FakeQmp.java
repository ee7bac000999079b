package dev.jvfio.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A QMP server for tests, speaking as QEMU does: a greeting, then one JSON reply per command line.
 * {@code onCommand} answers a command with the lines to send back (its reply and any events);
 * QEMU's monitor serves one connection at a time, and so does this.
 */
public final class FakeQmp implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final String GREETING =
            "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 3, \"minor\": 1, \"major\": 11}}, \"capabilities\": [\"oob\"]}}";

    private final ServerSocketChannel server;
    private final Path path;
    private final Function<JsonNode, List<String>> onCommand;
    private final Thread thread;
    /** Every command received, in order. */
    public final List<JsonNode> commands = new CopyOnWriteArrayList<>();

    private volatile SocketChannel current;

    public FakeQmp(Path path, Function<JsonNode, List<String>> onCommand) throws IOException {
        this(path, GREETING, onCommand);
    }

    public FakeQmp(Path path, String greeting, Function<JsonNode, List<String>> onCommand) throws IOException {
        this.path = path;
        this.onCommand = onCommand;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        thread = Thread.ofVirtual().start(() -> serve(greeting));
    }

    /** QEMU's reply to a command that worked. */
    public static String ok() {
        return "{\"return\": {}}";
    }

    public static String error(String cls, String desc) {
        return "{\"error\": {\"class\": \"" + cls + "\", \"desc\": \"" + desc + "\"}}";
    }

    public static String deviceDeleted(String id) {
        return "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"DEVICE_DELETED\", \"data\": "
                + "{\"device\": \"" + id + "\", \"path\": \"/machine/peripheral/" + id + "\"}}";
    }

    private void serve(String greeting) {
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept()) {
                current = ch;
                send(ch, greeting);
                StringBuilder line = new StringBuilder();
                ByteBuffer buf = ByteBuffer.allocate(4096);
                while (ch.read(buf.clear()) > 0) {
                    buf.flip();
                    line.append(StandardCharsets.UTF_8.decode(buf));
                    int nl;
                    while ((nl = line.indexOf("\n")) >= 0) {
                        JsonNode cmd = JSON.readTree(line.substring(0, nl));
                        line.delete(0, nl + 1);
                        commands.add(cmd);
                        List<String> out = cmd.path("execute").asText().equals("qmp_capabilities")
                                ? List.of(ok())
                                : onCommand.apply(cmd);
                        for (String s : out) {
                            send(ch, s);
                        }
                    }
                }
            } catch (IOException e) {
                // the client left, or we are closing
            }
        }
    }

    /** Sends an event (or anything) on the current connection. */
    public void push(String line) throws IOException {
        send(current, line);
    }

    private static void send(SocketChannel ch, String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        SocketChannel c = current;
        if (c != null) {
            c.close();
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
