package dev.jvfio.trace;

import java.time.Instant;
import java.util.List;

/** What the proxy reports to its {@link TraceSink}: connections opening and closing, and messages. */
sealed interface TraceEvent {
    /** The connection's name, "conn1" for the first client accepted. */
    String conn();

    Instant time();

    /** Bytes this event holds while it waits to be written (bounds the sink's queue). */
    default long cost() {
        return 256;
    }

    /**
     * One message, as it was forwarded.
     *
     * @param length   bytes forwarded as this message: the header's size, or fewer when the sender
     *                 closed in the middle; for a message streamed in chunks, the header alone
     * @param fdKinds  the kinds of the descriptors that came (and went on) with it
     * @param decoded  the decoder's fields and problems
     * @param framing  problems the proxy saw in the framing (size below the header, a truncated
     *                 message, a reply without a request, descriptors the kernel dropped)
     * @param rttNanos for a reply, the time since its request went through the proxy; else -1
     * @param bytes    the message's bytes, when the JSON file or --hex wants them; else null
     */
    record Message(
            String conn,
            Direction dir,
            Instant time,
            int id,
            int command,
            int flags,
            int error,
            long size,
            long length,
            List<String> fdKinds,
            Decoded decoded,
            List<String> framing,
            long rttNanos,
            byte[] bytes)
            implements TraceEvent {
        @Override
        public long cost() {
            return 256 + (bytes == null ? 0 : bytes.length);
        }

        boolean malformed() {
            return !decoded.problems().isEmpty() || !framing.isEmpty();
        }
    }

    /** More bytes of a message too large to decode, forwarded as they came (after its {@link Message}). */
    record Chunk(String conn, Direction dir, Instant time, List<String> fdKinds, byte[] bytes) implements TraceEvent {
        @Override
        public long cost() {
            return 256 + bytes.length;
        }
    }

    /**
     * A client was accepted.
     *
     * @param client  who connected (pid and uid from SO_PEERCRED), for the log
     * @param server  the server's socket
     * @param failure why the proxy could not connect to the server, or null
     */
    record Connect(String conn, Instant time, String client, String server, String failure) implements TraceEvent {}

    /**
     * Both sides of a connection are closed.
     *
     * @param reason     which side ended it and how
     * @param clientSide what came from the client (C->S)
     * @param serverSide what came from the server (S->C)
     * @param unanswered requests (either way) that had no reply when the connection closed
     */
    record Close(String conn, Instant time, String reason, Counts clientSide, Counts serverSide, int unanswered)
            implements TraceEvent {}

    /**
     * What one side sent.
     *
     * @param messages  all messages
     * @param requests  commands that wait for a reply
     * @param posted    commands with the no-reply flag
     * @param replies   replies (errors included)
     * @param errors    error replies
     * @param malformed messages the decoder or the framing flagged
     * @param fds       descriptors passed
     * @param bytes     bytes forwarded
     */
    record Counts(
            long messages,
            long requests,
            long posted,
            long replies,
            long errors,
            long malformed,
            long fds,
            long bytes) {}
}
