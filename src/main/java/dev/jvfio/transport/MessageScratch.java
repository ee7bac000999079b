package dev.jvfio.transport;

import static dev.jvfio.transport.MsgHdr.MSG_IOV;
import static dev.jvfio.transport.MsgHdr.MSG_IOVLEN;
import static dev.jvfio.transport.MsgHdr.SCM_MAX_FD;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jvfio.linker.Downcalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Native scratch for one direction of a {@link UnixConnection}: msghdr, iovecs, a control buffer for
 * the kernel's maximum of 253 fds (SCM_RIGHTS), errno capture and a staging buffer for heap segments,
 * allocated once so that a message allocates nothing. Only touched between {@code handle.acquire()}
 * and {@code release()}, so it is freed as soon as the connection is closed and the last call has
 * left it (not whenever the garbage collector gets to it: a client that connects and closes in a loop
 * would otherwise pile up native memory, 64 KiB of staging per direction).
 */
final class MessageScratch {
    /** Staging for heap segments; larger messages go through it in chunks. */
    static final long STAGING_BYTES = 64 * 1024;

    final Arena arena = Arena.ofShared();
    final MemorySegment capture = Downcalls.allocateCapture(arena);
    final MemorySegment msghdr = arena.allocate(MsgHdr.MSGHDR_SIZE, 8);
    final MemorySegment iov = arena.allocate(2 * MsgHdr.IOVEC_SIZE, 8); // room for send(head, body)
    final MemorySegment control = arena.allocate(MsgHdr.cmsgSpace(4L * SCM_MAX_FD), 8);
    private MemorySegment staging;

    MessageScratch() {
        // msg_name stays NULL (connected socket); one iovec.
        msghdr.set(JAVA_LONG, MSG_IOV, iov.address());
        msghdr.set(JAVA_LONG, MSG_IOVLEN, 1L);
    }

    MemorySegment staging() {
        if (staging == null) {
            staging = arena.allocate(STAGING_BYTES, 8);
        }
        return staging;
    }
}
