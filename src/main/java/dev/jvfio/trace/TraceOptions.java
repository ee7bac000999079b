package dev.jvfio.trace;

import java.nio.file.Path;

/**
 * What {@code jvfio trace} was asked for.
 *
 * @param listen  the socket the client connects to (created; a stale socket file is replaced)
 * @param connect the server's socket
 * @param json    the JSON lines file to write, or null
 * @param hex     print each message's bytes under its line
 * @param filter  which commands get a printed line
 */
public record TraceOptions(Path listen, Path connect, Path json, boolean hex, CommandFilter filter) {
    public TraceOptions {
        if (listen == null || connect == null || filter == null) {
            throw new IllegalArgumentException("listen, connect and filter are needed");
        }
    }
}
