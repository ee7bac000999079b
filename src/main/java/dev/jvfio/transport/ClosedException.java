package dev.jvfio.transport;

import java.io.IOException;

/** The socket was closed by this process (close() was called), so the operation cannot proceed. */
public class ClosedException extends IOException {
    public ClosedException(String message) {
        super(message);
    }
}
