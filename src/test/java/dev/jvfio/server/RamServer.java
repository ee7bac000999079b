package dev.jvfio.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The usual fixture of an in-process server test: a {@link RamDevice} served on socket {@code s} of
 * a fresh directory under /tmp (short, for AF_UNIX). {@link #close()} closes the server and the
 * device and removes the directory.
 */
public final class RamServer implements AutoCloseable {
    private final Path dir;
    private final RamDevice device;
    private final VfioUserServer server;

    private RamServer(Path dir, RamDevice device, VfioUserServer server) {
        this.dir = dir;
        this.device = device;
        this.server = server;
    }

    public static RamServer start(ServerOptions options) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        RamDevice device = null;
        try {
            device = new RamDevice();
            return new RamServer(dir, device, VfioUserServer.start(dir.resolve("s"), device, options));
        } catch (IOException | RuntimeException e) {
            if (device != null) {
                device.close();
            }
            Files.deleteIfExists(dir);
            throw e;
        }
    }

    /** With {@link ServerListener#NONE}: no log lines. */
    public static RamServer start() throws IOException {
        return start(ServerOptions.defaults().withListener(ServerListener.NONE));
    }

    public RamDevice device() {
        return device;
    }

    public VfioUserServer server() {
        return server;
    }

    public Path dir() {
        return dir;
    }

    public Path socket() {
        return server.socketPath();
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            device.close();
            Files.deleteIfExists(dir.resolve("s"));
            Files.deleteIfExists(dir);
        }
    }
}
