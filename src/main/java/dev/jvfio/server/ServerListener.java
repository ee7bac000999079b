package dev.jvfio.server;

import dev.jvfio.device.MigrationState;
import dev.jvfio.transport.PeerCredentials;

/**
 * Events of a {@link VfioUserServer}, for logs and tests. Called on server threads; implementations
 * must be quick and must not throw (anything thrown is ignored).
 */
public interface ServerListener {
    /**
     * A client passed the peer check and sent its first message. A connection closed before that
     * (another server probing whether the socket is live) is no client and makes no events.
     */
    default void connected(PeerCredentials peer) {}

    /** A session ended (EOF, protocol error, server close); its fds and maps are released. */
    default void disconnected(PeerCredentials peer, String reason) {}

    /** A connection was turned away (uid not allowed, another client attached). */
    default void refused(PeerCredentials peer, String reason) {}

    /** The client reset the device (DEVICE_RESET). */
    default void reset() {}

    /** A request failed or was malformed; the session carries on unless it says otherwise. */
    default void error(String message) {}

    /**
     * The device's migration state changed (VU-10): one direct arc done, a failed arc into ERROR,
     * or back to RUNNING after a reset or the client leaving.
     */
    default void migrationState(MigrationState from, MigrationState to) {}

    /** Ignores everything. */
    ServerListener NONE = new ServerListener() {};

    /** Writes every event to the {@code dev.jvfio.server} System.Logger. */
    ServerListener LOGGING = new ServerListener() {
        private final System.Logger log = System.getLogger("dev.jvfio.server");

        @Override
        public void connected(PeerCredentials peer) {
            log.log(System.Logger.Level.INFO, "client connected: " + peer);
        }

        @Override
        public void disconnected(PeerCredentials peer, String reason) {
            log.log(System.Logger.Level.INFO, "client disconnected: " + peer + ": " + reason);
        }

        @Override
        public void refused(PeerCredentials peer, String reason) {
            log.log(System.Logger.Level.WARNING, "connection refused: " + peer + ": " + reason);
        }

        @Override
        public void reset() {
            log.log(System.Logger.Level.INFO, "device reset by client");
        }

        @Override
        public void error(String message) {
            log.log(System.Logger.Level.DEBUG, message);
        }

        @Override
        public void migrationState(MigrationState from, MigrationState to) {
            log.log(System.Logger.Level.INFO, "migration state " + from + " -> " + to);
        }
    };
}
