package dev.jvfio.migration;

import dev.jvfio.device.Errno;

/**
 * A migration step failed: on which server, doing what, and the errno the server answered (0 when
 * the failure was not an error reply, e.g. a broken connection).
 */
public final class MigrationFailure extends Exception {
    private final Side side;
    private final String step;
    private final int errno;

    public MigrationFailure(Side side, String step, int errno, String detail, Throwable cause) {
        super(side + ": " + step + " failed: " + (errno != 0 ? Errno.name(errno) : detail), cause);
        this.side = side;
        this.step = step;
        this.errno = errno;
    }

    public Side side() {
        return side;
    }

    public String step() {
        return step;
    }

    /** The server's errno, or 0. */
    public int errno() {
        return errno;
    }
}
