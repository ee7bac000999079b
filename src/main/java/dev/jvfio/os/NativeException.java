package dev.jvfio.os;

import java.io.IOException;

/** A system call failed; carries the call's name and the Linux errno. */
public class NativeException extends IOException {
    private final String call;
    private final int errno;

    public NativeException(String call, int errno, String detail) {
        super(call + " failed: " + Libc.strerror(errno) + " (errno " + errno + ")"
                + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.call = call;
        this.errno = errno;
    }

    /** For a failure whose whole message the caller words (the errno is still the call's). */
    protected NativeException(String message, String call, int errno) {
        super(message);
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    /** What the errno means, as the C library says it ("Permission denied"). */
    public String reason() {
        return Libc.strerror(errno);
    }
}
