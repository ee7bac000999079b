package dev.jvfio.device;

/**
 * A device operation failed with a Linux errno, which the server sends back in its
 * error reply. Stackless: it is control flow on request paths, not a crash report.
 */
public class VfioException extends Exception {
    private final int errno;

    public VfioException(int errno, String message) {
        super(message, null, false, false);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    @Override
    public String getMessage() {
        return Errno.name(errno) + ": " + super.getMessage();
    }

    public static VfioException invalid(String message) {
        return new VfioException(Errno.EINVAL, message);
    }
}
