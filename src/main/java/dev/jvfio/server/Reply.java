package dev.jvfio.server;

import dev.jvfio.os.Fd;
import java.lang.foreign.MemorySegment;

/**
 * The outcome of one request, as its handler leaves it for the session to send: an error (a
 * Linux errno), or a reply of {@link #size()} bytes in the session's reply buffer, optionally
 * followed by {@link #data()} sent straight from device memory, or carrying {@link #fd()}. One
 * instance per session, reused for every request, so serving allocates nothing per message.
 * Each setter forgets what the previous request left.
 */
final class Reply {
    private int errno;
    private int size;
    private MemorySegment data;
    private Fd fd;

    /** A reply of {@code size} bytes in the reply buffer. */
    Reply sized(int size) {
        this.errno = 0;
        this.size = size;
        this.data = null;
        this.fd = null;
        return this;
    }

    /** The request failed with {@code errno} (positive). */
    Reply error(int errno) {
        sized(0);
        this.errno = errno;
        return this;
    }

    /** What an encoder returns: a size, or a negative errno. */
    Reply encoded(int sizeOrNegativeErrno) {
        return sizeOrNegativeErrno < 0 ? error(-sizeOrNegativeErrno) : sized(sizeOrNegativeErrno);
    }

    /** Bytes sent after the reply buffer's {@link #size()} (the data of a large REGION_READ). */
    Reply withData(MemorySegment data) {
        this.data = data;
        return this;
    }

    /** An fd sent with the reply (GET_REGION_INFO of an mmap-able region); the device keeps it. */
    Reply withFd(Fd fd) {
        this.fd = fd;
        return this;
    }

    boolean failed() {
        return errno != 0;
    }

    int errno() {
        return errno;
    }

    int size() {
        return size;
    }

    MemorySegment data() {
        return data;
    }

    Fd fd() {
        return fd;
    }
}
