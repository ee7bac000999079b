package dev.jvfio.bench;

import dev.jvfio.transport.UnixConnection;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A client of the {@link EchoServer} for one message shape: sends {@code request} bytes and waits
 * for {@code reply} bytes, exactly the sizes of the vfio-user message it stands in for.
 */
final class EchoLane implements Op, AutoCloseable {
    private final UnixConnection conn;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment request;
    private final MemorySegment reply;

    private EchoLane(UnixConnection conn, int requestBytes, int replyBytes) {
        this.conn = conn;
        this.request = arena.allocate(requestBytes, 8);
        this.reply = arena.allocate(replyBytes, 8);
    }

    static EchoLane open(Path socket, int requestBytes, int replyBytes, boolean spin) throws IOException {
        UnixConnection conn = UnixConnection.connect(socket);
        EchoLane lane = new EchoLane(conn, requestBytes, replyBytes);
        try {
            MemorySegment setup = lane.arena.allocate(8, 8);
            setup.set(ValueLayout.JAVA_INT, 0, requestBytes);
            setup.set(ValueLayout.JAVA_INT, 4, replyBytes);
            conn.send(setup);
            conn.busyPoll(spin);
            return lane;
        } catch (IOException | RuntimeException e) {
            lane.close();
            throw e;
        }
    }

    @Override
    public void run() throws IOException {
        conn.send(request);
        conn.receiveFully(reply, null, 0);
    }

    @Override
    public void close() {
        conn.close();
        arena.close();
    }
}
