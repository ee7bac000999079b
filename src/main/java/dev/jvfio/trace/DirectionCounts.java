package dev.jvfio.trace;

import dev.jvfio.protocol.Header;

/**
 * What one side has sent so far, kept by the thread that forwards that side's messages and read
 * once both threads of the connection have ended.
 */
final class DirectionCounts {
    private long messages;
    private long requests;
    private long posted;
    private long replies;
    private long errors;
    private long malformed;
    private long fds;
    private long bytes;

    void message(int flags, boolean flagged, int nfds, long length) {
        messages++;
        int type = flags & Header.TYPE_MASK;
        if (type == Header.TYPE_REPLY) {
            replies++;
            if ((flags & Header.FLAG_ERROR) != 0) {
                errors++;
            }
        } else if (type == Header.TYPE_COMMAND) {
            if ((flags & Header.FLAG_NO_REPLY) != 0) {
                posted++;
            } else {
                requests++;
            }
        }
        if (flagged) {
            malformed++;
        }
        fds += nfds;
        bytes += length;
    }

    /** Bytes of a message forwarded after its header (a message streamed in chunks). */
    void more(int nfds, long length) {
        fds += nfds;
        bytes += length;
    }

    TraceEvent.Counts snapshot() {
        return new TraceEvent.Counts(messages, requests, posted, replies, errors, malformed, fds, bytes);
    }
}
