package dev.jvfio.trace;

import dev.jvfio.TempDirs;
import dev.jvfio.transport.SocketAccess;
import dev.jvfio.transport.UnixConnection;
import dev.jvfio.transport.UnixServerSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A stand-in server for the proxy to connect to: a bare listening socket whose connections the
 * test reads and writes byte by byte, so it sees exactly what the proxy forwarded.
 */
final class Upstream implements AutoCloseable {
    private final Path dir;
    private final UnixServerSocket listener;

    private Upstream(Path dir, UnixServerSocket listener) {
        this.dir = dir;
        this.listener = listener;
    }

    static Upstream start() throws IOException {
        Path dir = TempDirs.create();
        return new Upstream(dir, UnixServerSocket.listen(dir.resolve("s"), SocketAccess.ownerOnly()));
    }

    Path socket() {
        return listener.path();
    }

    /** The proxy's connection for the next client; receives time out after 10 s instead of hanging. */
    UnixConnection accept() throws IOException {
        UnixConnection c = listener.accept();
        c.receiveTimeout(Duration.ofSeconds(10));
        return c;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        TempDirs.delete(dir);
    }
}
