package dev.jvfio.transport;

/**
 * What sendmsg and recvmsg take besides the fd: the layouts of struct msghdr, struct iovec and
 * struct cmsghdr with the CMSG_* macros, and the SCM_RIGHTS control message that carries fds
 * (VU-1.1). Package-private, like {@link SocketCalls} whose calls fill them.
 *
 * <p>As there, each constant and layout is glibc's on LP64 Linux and the same on x86-64 and
 * aarch64 (little-endian LP64, 8-byte pointers, size_t and long; socket constants from the
 * generic kernel headers). The header of each is named below; docs/arm64.md lists them all.
 */
final class MsgHdr {
    private MsgHdr() {}

    /** linux/socket.h (bits/socket.h). */
    static final int SCM_RIGHTS = 1;
    /** linux/socket.h (bits/socket.h). */
    static final int MSG_CTRUNC = 0x8;
    /** linux/socket.h (bits/socket.h). */
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** include/net/scm.h: the kernel refuses more than this many fds in one SCM_RIGHTS message. */
    static final int SCM_MAX_FD = 253;

    /**
     * glibc bits/socket.h, LP64: struct msghdr { void *msg_name; socklen_t msg_namelen; (pad 4)
     * struct iovec *msg_iov; size_t msg_iovlen; void *msg_control; size_t msg_controllen;
     * int msg_flags; (pad 4) } = 56 bytes on x86-64 and aarch64 alike.
     */
    static final long MSGHDR_SIZE = 56;

    static final long MSG_NAME = 0;
    static final long MSG_NAMELEN = 8;
    static final long MSG_IOV = 16;
    static final long MSG_IOVLEN = 24;
    static final long MSG_CONTROL = 32;
    static final long MSG_CONTROLLEN = 40;
    static final long MSG_FLAGS = 48;
    /** bits/types/struct_iovec.h: struct iovec { void *iov_base; size_t iov_len; } = 16 bytes. */
    static final long IOVEC_SIZE = 16;
    /**
     * glibc bits/socket.h, LP64: struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }
     * = 16 bytes, then data; CMSG_ALIGN rounds to sizeof(size_t) = 8.
     */
    static final long CMSG_HDR = 16;

    static final long CMSG_LEN_OFF = 0;
    static final long CMSG_LEVEL_OFF = 8;
    static final long CMSG_TYPE_OFF = 12;

    /** CMSG_ALIGN: rounds up to sizeof(size_t). */
    static long cmsgAlign(long n) {
        return (n + 7) & ~7L;
    }

    /** CMSG_LEN: header plus data, unpadded; what goes into cmsg_len. */
    static long cmsgLen(long dataBytes) {
        return CMSG_HDR + dataBytes;
    }

    /** CMSG_SPACE: header plus padded data; what one control message occupies in the buffer. */
    static long cmsgSpace(long dataBytes) {
        return CMSG_HDR + cmsgAlign(dataBytes);
    }
}
