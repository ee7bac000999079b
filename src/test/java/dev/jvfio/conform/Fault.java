package dev.jvfio.conform;

import java.util.List;

/**
 * One way a server misbehaves, applied by {@link MisbehavingProxy} to the connections it relays
 * from the {@link #from()}th on (the checker's first connection gathers the device's facts, which
 * most faults would spoil for reasons the check under test is not about).
 */
interface Fault {
    /** The first connection (1-based) the fault applies to. */
    default int from() {
        return 2;
    }

    /** Answers a request here instead of relaying it (non-null), e.g. accepts what the server refuses. */
    default List<Frame> answer(Frame request, int nth) {
        return null;
    }

    /** The request as the server gets it. */
    default Frame forward(Frame request) {
        return request;
    }

    /** What the client gets for the server's {@code reply} to {@code request}. */
    default List<Frame> reply(Frame request, Frame reply) {
        return List.of(reply);
    }

    /** The answer to a header whose size is below 16 (the proxy then hangs up unless it is a success). */
    default List<Frame> badHeader(Frame header) {
        return List.of(header.errorReply(22));
    }

    /** The server behaving as it does. */
    Fault NONE = new Fault() {};
}
