package dev.jvfio.device;

/**
 * Linux errno values that travel in vfio-user error replies. The protocol fixes them as Linux's
 * numbers, and they are also what the host's libc returns on x86-64 and aarch64, which both use
 * asm-generic/errno-base.h and asm-generic/errno.h (alpha, mips, parisc and sparc differ).
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int EPROTO = 71;
    public static final int EOVERFLOW = 75;
    public static final int EMSGSIZE = 90;
    public static final int ENOTSUP = 95; // EOPNOTSUPP on Linux
    public static final int ETIME = 62;
    public static final int ENOTTY = 25;
    public static final int ECONNRESET = 104;
    public static final int ETIMEDOUT = 110;

    /** The symbolic name of an errno value, for logs and messages; "errno N" when unknown. */
    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EIO -> "EIO";
            case E2BIG -> "E2BIG";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case ERANGE -> "ERANGE";
            case ENOSYS -> "ENOSYS";
            case EPROTO -> "EPROTO";
            case EOVERFLOW -> "EOVERFLOW";
            case EMSGSIZE -> "EMSGSIZE";
            case ENOTSUP -> "ENOTSUP";
            case ETIME -> "ETIME";
            case ENOTTY -> "ENOTTY";
            case ECONNRESET -> "ECONNRESET";
            case ETIMEDOUT -> "ETIMEDOUT";
            default -> "errno " + errno;
        };
    }
}
