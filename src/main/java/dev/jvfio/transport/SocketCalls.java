package dev.jvfio.transport;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jvfio.linker.Downcalls;
import dev.jvfio.os.LinuxErrno;
import dev.jvfio.os.NativeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The socket system calls, as java.lang.foreign downcalls linked through {@link Downcalls}, which
 * captures errno. Package-private plumbing: each wrapper takes the capture segment so that
 * callers on the message path can pass preallocated memory, and returns the raw result (callers
 * read errno on failure; the numbers are {@link LinuxErrno}'s).
 *
 * <p>The msghdr, iovec and cmsghdr layouts that sendmsg and recvmsg take are in {@link MsgHdr}.
 * Constants and struct layouts are those of glibc on LP64 Linux, and each is the same on x86-64
 * and aarch64: both architectures take the socket constants from the generic kernel headers
 * (asm-generic/socket.h; it is powerpc, sparc, mips, alpha and parisc that override them) and
 * glibc's generic bits/socket.h, and both are little-endian LP64 with 8-byte pointers, size_t and
 * long. The header of each is named below; docs/arm64.md lists them all. Nothing here is chosen
 * per architecture.
 */
final class SocketCalls {
    private SocketCalls() {}

    /** bits/socket.h (PF_LOCAL). */
    static final int AF_UNIX = 1;
    /** bits/socket_type.h (glibc's generic one; only mips swaps SOCK_STREAM and SOCK_DGRAM). */
    static final int SOCK_STREAM = 1;
    /** bits/socket_type.h: SOCK_CLOEXEC is O_CLOEXEC (asm-generic/fcntl.h, 02000000). */
    static final int SOCK_CLOEXEC = 0x80000;
    /** bits/socket_type.h: SOCK_NONBLOCK is O_NONBLOCK (asm-generic/fcntl.h, 04000). */
    static final int SOCK_NONBLOCK = 0x800;
    /** asm-generic/socket.h. */
    static final int SOL_SOCKET = 1;
    /** asm-generic/socket.h. */
    static final int SO_PEERCRED = 17;
    /** asm-generic/socket.h (Linux 4.13): the peer's supplementary groups, an array of gid_t. */
    static final int SO_PEERGROUPS = 59;
    /** linux/limits.h: NGROUPS_MAX, the most supplementary groups a process can have. */
    static final int NGROUPS_MAX = 65536;
    /** asm-generic/socket.h: SO_RCVTIMEO_OLD, the 64-bit struct timeval option on LP64. */
    static final int SO_RCVTIMEO = 20;
    /** asm-generic/socket.h: SO_SNDTIMEO_OLD. */
    static final int SO_SNDTIMEO = 21;
    /** sys/socket.h. */
    static final int SHUT_RDWR = 2;
    /** linux/socket.h (bits/socket.h). */
    static final int MSG_DONTWAIT = 0x40;
    /** linux/socket.h (bits/socket.h). */
    static final int MSG_NOSIGNAL = 0x4000;

    /** linux/un.h: struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; } (u16 family). */
    static final int SUN_PATH_SIZE = 108;

    static final int SOCKADDR_UN_SIZE = 2 + SUN_PATH_SIZE;
    /** Longest path that fits sun_path with its terminating NUL. */
    static final int MAX_PATH_BYTES = SUN_PATH_SIZE - 1;

    /** bits/socket.h: struct ucred { pid_t pid; uid_t uid; gid_t gid; } = three 32-bit ints. */
    static final int UCRED_SIZE = 12;
    /** bits/types/struct_timeval.h, LP64: struct timeval { long tv_sec; long tv_usec; } = 16 bytes. */
    static final int TIMEVAL_SIZE = 16;

    // Each downcall lives in its own holder class, so it is linked on first use: linking costs
    // ~8 ms of CPU per function even with the AOT cache, and most of these are not needed before
    // the server is ready, so linking them all up front would delay launch-to-ready. A holder's
    // field is still a constant to the JIT, so the hot path (sendmsg/recvmsg) costs the same.
    private static final class SocketCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class SocketpairCall {
        static final MethodHandle H = Downcalls.linkWithErrno(
                "socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }

    private static final class BindCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class ListenCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class Accept4Call {
        static final MethodHandle H = Downcalls.linkWithErrno(
                "accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    private static final class ConnectCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class SendmsgCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class RecvmsgCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class ShutdownCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class GetsockoptCall {
        static final MethodHandle H = Downcalls.linkWithErrno(
                "getsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class SetsockoptCall {
        static final MethodHandle H = Downcalls.linkWithErrno(
                "setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    /** The path as sun_path bytes; IOException naming the limit if it does not fit. */
    static byte[] pathBytes(Path path) throws IOException {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) {
            throw new IOException("empty socket path");
        }
        if (bytes.length > MAX_PATH_BYTES) {
            throw new IOException("socket path is " + bytes.length + " bytes, longer than the "
                    + MAX_PATH_BYTES + " bytes an AF_UNIX address can hold (sun_path[" + SUN_PATH_SIZE
                    + "] with its NUL); use a shorter path: " + path);
        }
        for (byte b : bytes) {
            if (b == 0) {
                throw new IOException("socket path contains a NUL byte: " + path);
            }
        }
        return bytes;
    }

    /** A struct sockaddr_un for path, zero-filled so sun_path is NUL-terminated. */
    static MemorySegment sockaddr(Arena arena, byte[] pathBytes) {
        MemorySegment addr = arena.allocate(SOCKADDR_UN_SIZE, 2);
        addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(pathBytes, 0, addr, JAVA_BYTE, 2, pathBytes.length);
        return addr;
    }

    static MemorySegment cPath(Arena arena, byte[] pathBytes) {
        MemorySegment s = arena.allocate(pathBytes.length + 1L);
        MemorySegment.copy(pathBytes, 0, s, JAVA_BYTE, 0, pathBytes.length);
        return s;
    }

    /** socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); throws naming the call. */
    static int socket() throws NativeException {
        return socket(0);
    }

    /** socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | extraFlags, 0). */
    static int socket(int extraFlags) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            int r = (int) SocketCall.H.invokeExact(capture, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | extraFlags, 0);
            if (r < 0) {
                throw new NativeException("socket(AF_UNIX, SOCK_STREAM)", Downcalls.errno(capture), null);
            }
            return r;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC); returns both ends. */
    static int[] socketpair() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int r = (int) SocketpairCall.H.invokeExact(capture, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
            if (r < 0) {
                throw new NativeException("socketpair(AF_UNIX, SOCK_STREAM)", Downcalls.errno(capture), null);
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void bind(int fd, byte[] pathBytes, Path path) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            int r = (int) BindCall.H.invokeExact(capture, fd, sockaddr(arena, pathBytes), SOCKADDR_UN_SIZE);
            if (r < 0) {
                throw new NativeException("bind", Downcalls.errno(capture), path.toString());
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void listen(int fd, int backlog, Path path) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            int r = (int) ListenCall.H.invokeExact(capture, fd, backlog);
            if (r < 0) {
                throw new NativeException("listen", Downcalls.errno(capture), path.toString());
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** accept4(fd, NULL, NULL, SOCK_CLOEXEC); returns the new fd or -errno. */
    static int accept(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            int r = (int) Accept4Call.H.invokeExact(capture, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
            return r >= 0 ? r : -Downcalls.errno(capture);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** connect(fd, path); returns 0 or -errno. */
    static int connect(int fd, byte[] pathBytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            MemorySegment addr = sockaddr(arena, pathBytes);
            int r = (int) ConnectCall.H.invokeExact(capture, fd, addr, SOCKADDR_UN_SIZE);
            return r == 0 ? 0 : -Downcalls.errno(capture);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static long sendmsg(MemorySegment capture, int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) SendmsgCall.H.invokeExact(capture, fd, msghdr, flags);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static long recvmsg(MemorySegment capture, int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) RecvmsgCall.H.invokeExact(capture, fd, msghdr, flags);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** shutdown(fd, SHUT_RDWR); returns 0 or -errno (ENOTCONN is normal for a dead peer). */
    static int shutdown(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            int r = (int) ShutdownCall.H.invokeExact(capture, fd, SHUT_RDWR);
            return r == 0 ? 0 : -Downcalls.errno(capture);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** getsockopt(SOL_SOCKET, SO_PEERCRED) as {pid, uid, gid}. */
    static int[] peerCredentials(int fd) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            MemorySegment ucred = arena.allocate(UCRED_SIZE, 4);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, UCRED_SIZE);
            int r = (int) GetsockoptCall.H.invokeExact(capture, fd, SOL_SOCKET, SO_PEERCRED, ucred, len);
            if (r < 0) {
                throw new NativeException("getsockopt(SO_PEERCRED)", Downcalls.errno(capture), "fd " + fd);
            }
            return new int[] {ucred.get(JAVA_INT, 0), ucred.get(JAVA_INT, 4), ucred.get(JAVA_INT, 8)};
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * getsockopt(SOL_SOCKET, SO_PEERGROUPS): the peer's supplementary gids (32-bit gid_t each).
     * Asks with room for 64 first; the kernel answers ERANGE with the size it needs for more.
     */
    static int[] peerGroups(int fd) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            MemorySegment len = arena.allocate(JAVA_INT);
            int room = 64 * 4;
            for (int attempt = 0; attempt < 2; attempt++) {
                MemorySegment gids = arena.allocate(room, 4);
                len.set(JAVA_INT, 0, room);
                int r = (int) GetsockoptCall.H.invokeExact(capture, fd, SOL_SOCKET, SO_PEERGROUPS, gids, len);
                int n = len.get(JAVA_INT, 0);
                if (r == 0) {
                    if (n < 0 || n > room || n % 4 != 0) {
                        throw new NativeException("getsockopt(SO_PEERGROUPS)", LinuxErrno.EINVAL, "length " + n);
                    }
                    return gids.asSlice(0, n).toArray(JAVA_INT);
                }
                int errno = Downcalls.errno(capture);
                if (errno != LinuxErrno.ERANGE || n <= room || n > NGROUPS_MAX * 4) {
                    throw new NativeException("getsockopt(SO_PEERGROUPS)", errno, "fd " + fd);
                }
                room = n;
            }
            throw new NativeException("getsockopt(SO_PEERGROUPS)", LinuxErrno.ERANGE, "fd " + fd);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** setsockopt(SOL_SOCKET, option, struct timeval {long tv_sec; long tv_usec;}); 0/0 = no timeout. */
    static void setTimeout(int fd, int option, long seconds, long micros) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            MemorySegment tv = arena.allocate(TIMEVAL_SIZE, 8);
            tv.set(JAVA_LONG, 0, seconds);
            tv.set(JAVA_LONG, 8, micros);
            int r = (int) SetsockoptCall.H.invokeExact(capture, fd, SOL_SOCKET, option, tv, TIMEVAL_SIZE);
            if (r < 0) {
                String name = option == SO_SNDTIMEO ? "SO_SNDTIMEO" : "SO_RCVTIMEO";
                throw new NativeException("setsockopt(" + name + ")", Downcalls.errno(capture), "fd " + fd);
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
