package dev.jvfio.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** {@code jvfio ctl}'s side of the control socket: one request line, one answer line. */
public final class ControlClient {
    /** The longest answer accepted (a status of 256 devices fits). */
    static final int MAX_ANSWER = 16 << 20;

    private ControlClient() {}

    /** Sends {@code request} to the control socket at {@code path} and returns the answer object. */
    public static JsonNode call(Path path, ControlRequest request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            ByteBuffer out = ByteBuffer.wrap((request.toLine() + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (true) {
                in.clear();
                int n = ch.read(in);
                if (n < 0) {
                    break;
                }
                answer.write(in.array(), 0, n);
                if (answer.size() > MAX_ANSWER) {
                    throw new IOException("the answer is longer than " + MAX_ANSWER + " bytes");
                }
                if (n > 0 && in.array()[n - 1] == '\n') {
                    break;
                }
            }
            String text = answer.toString(StandardCharsets.UTF_8).trim();
            if (text.isEmpty()) {
                throw new IOException("serve closed the control connection without answering");
            }
            try {
                return ControlRequest.JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new IOException("not a control answer: " + ControlRequest.abbreviate(text));
            }
        }
    }
}
