package dev.jvfio.conform;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the checker talks to the server under test.
 *
 * @param socket  the server's socket
 * @param timeout how long any reply may take (a missing reply is a FAIL)
 * @param reset   how long DEVICE_RESET may take (VU-7.1: it is allowed to take a while)
 * @param busy    how long to wait while the server answers EBUSY (the previous connection still
 *                being torn down)
 */
public record Settings(Path socket, Duration timeout, Duration reset, Duration busy) {
    public static Settings of(Path socket, Duration timeout) {
        return new Settings(
                socket, timeout, timeout.multipliedBy(6), Duration.ofSeconds(10).plus(timeout));
    }
}
