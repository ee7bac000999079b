package dev.jvfio.client;

import dev.jvfio.device.Errno;
import java.io.IOException;

/**
 * VERSION negotiation failed: the server refused us (error reply, e.g. EBUSY when another client
 * is attached, EPERM for a uid it does not allow) or answered something we cannot use.
 */
public final class HandshakeException extends IOException {
    private final int errno;

    public HandshakeException(int errno, String message) {
        super(message + (errno != 0 ? " (" + Errno.name(errno) + ")" : ""));
        this.errno = errno;
    }

    /** The server's errno, or 0 when the reply itself was unusable. */
    public int errno() {
        return errno;
    }
}
