package dev.jvfio.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link MigratingDevice} served on socket {@code s} of a fresh directory under /tmp (short, for
 * AF_UNIX); {@link #close()} closes server and device and removes the directory.
 */
public final class MigrationServer implements AutoCloseable {
    private final Path dir;
    private final MigratingDevice device;
    private final VfioUserServer server;

    private MigrationServer(Path dir, MigratingDevice device, VfioUserServer server) {
        this.dir = dir;
        this.device = device;
        this.server = server;
    }

    /** A server of a device migrating with {@code migration} (null: a device that cannot migrate). */
    public static MigrationServer start(RecordingMigration migration, ServerOptions options) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        MigratingDevice device = null;
        try {
            device = new MigratingDevice(migration);
            return new MigrationServer(dir, device, VfioUserServer.start(dir.resolve("s"), device, options));
        } catch (IOException | RuntimeException e) {
            if (device != null) {
                device.close();
            }
            Files.deleteIfExists(dir);
            throw e;
        }
    }

    public static MigrationServer start(RecordingMigration migration) throws IOException {
        return start(migration, ServerOptions.defaults().withListener(ServerListener.NONE));
    }

    public MigratingDevice device() {
        return device;
    }

    public RecordingMigration migration() {
        return device.recording();
    }

    public VfioUserServer server() {
        return server;
    }

    public Path socket() {
        return server.socketPath();
    }

    /** Waits until no client is attached (the previous one's session has ended). */
    public void awaitNoClient() throws InterruptedException {
        ServerClientTest.awaitTrue(() -> !server.clientAttached());
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
