package dev.jvfio.os;

/**
 * The Linux errno numbers jvfio uses, the one table of them: the C library's calls report them
 * and vfio-user error replies carry them ({@code dev.jvfio.device.Errno} names the wire ones from
 * here). x86-64 and aarch64 both take them from asm-generic/errno-base.h (1-34) and
 * asm-generic/errno.h (35-133); alpha, mips, parisc and sparc have their own numbers, and jvfio
 * does not run there. docs/arm64.md lists them with the other native constants.
 */
public final class LinuxErrno {
    private LinuxErrno() {}

    // asm-generic/errno-base.h
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
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
    public static final int ENOTTY = 25;
    public static final int ENOSPC = 28;
    public static final int EPIPE = 32;
    public static final int ERANGE = 34;

    // asm-generic/errno.h
    public static final int ENOSYS = 38;
    public static final int ETIME = 62;
    public static final int EPROTO = 71;
    public static final int EOVERFLOW = 75;
    public static final int EMSGSIZE = 90;
    /** EOPNOTSUPP; glibc's ENOTSUP is the same number on Linux. */
    public static final int ENOTSUP = 95;

    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int EISCONN = 106;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
}
