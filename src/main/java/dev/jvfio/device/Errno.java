package dev.jvfio.device;

import dev.jvfio.os.LinuxErrno;

/**
 * Linux errno values that travel in vfio-user error replies. The protocol fixes them as Linux's
 * numbers, which are also what the host's libc returns on x86-64 and aarch64, so each is taken
 * from {@link LinuxErrno}, the one table of the numbers; this class names the ones a reply may
 * carry and gives them their symbolic names for logs.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = LinuxErrno.EPERM;
    public static final int ENOENT = LinuxErrno.ENOENT;
    public static final int EIO = LinuxErrno.EIO;
    public static final int E2BIG = LinuxErrno.E2BIG;
    public static final int EBADF = LinuxErrno.EBADF;
    public static final int EAGAIN = LinuxErrno.EAGAIN;
    public static final int ENOMEM = LinuxErrno.ENOMEM;
    public static final int EACCES = LinuxErrno.EACCES;
    public static final int EFAULT = LinuxErrno.EFAULT;
    public static final int EBUSY = LinuxErrno.EBUSY;
    public static final int EEXIST = LinuxErrno.EEXIST;
    public static final int ENODEV = LinuxErrno.ENODEV;
    public static final int EINVAL = LinuxErrno.EINVAL;
    public static final int ENOSPC = LinuxErrno.ENOSPC;
    public static final int ERANGE = LinuxErrno.ERANGE;
    public static final int ENOSYS = LinuxErrno.ENOSYS;
    public static final int EPROTO = LinuxErrno.EPROTO;
    public static final int EOVERFLOW = LinuxErrno.EOVERFLOW;
    public static final int EMSGSIZE = LinuxErrno.EMSGSIZE;
    public static final int ENOTSUP = LinuxErrno.ENOTSUP;
    public static final int ETIME = LinuxErrno.ETIME;
    public static final int ENOTTY = LinuxErrno.ENOTTY;
    public static final int ECONNRESET = LinuxErrno.ECONNRESET;
    public static final int ETIMEDOUT = LinuxErrno.ETIMEDOUT;

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
