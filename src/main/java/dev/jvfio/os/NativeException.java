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

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
