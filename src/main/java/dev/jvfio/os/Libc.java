package dev.jvfio.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jvfio.linker.Downcalls;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Downcalls into the C library through java.lang.foreign, with errno captured right after the
 * call. Everything here is package-private plumbing; the public API is the small classes beside it.
 *
 * <p>Each wrapper returns the raw result of the call; on failure it throws a
 * {@link NativeException} that names the call. errno is captured into a per-thread segment, so
 * a call allocates nothing unless it has to pass a string.
 *
 * <p>Here: the calls on file descriptors (close, dup, open, lseek, ftruncate, read, write, poll,
 * eventfd), sysconf and strerror. memfd_create, its seals, mmap and munmap are in
 * {@link MemoryCalls}; the linker and errno capture of both are {@link Downcalls}.
 */
final class Libc {
    private Libc() {}

    // Every constant below has the same value on x86-64 and aarch64 Linux (glibc): both
    // architectures take them from the kernel's generic headers, and none of them is one that
    // an architecture overrides. The header each comes from is named; docs/arm64.md lists them
    // all, with the struct layouts and why nothing here is chosen per architecture. errno
    // numbers are in LinuxErrno.
    /** linux/fcntl.h: F_LINUX_SPECIFIC_BASE (1024) + 6. */
    private static final int F_DUPFD_CLOEXEC = 1030;
    /** asm-generic/fcntl.h (arm64 overrides only O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE). */
    static final int O_RDWR = 02;
    /** asm-generic/fcntl.h. */
    static final int O_CREAT = 0100;
    /** asm-generic/fcntl.h. */
    static final int O_CLOEXEC = 02000000;
    /** asm-generic/fcntl.h (not one arm64 overrides). */
    static final int O_NONBLOCK = 04000;
    /** asm-generic/fcntl.h. */
    private static final int F_GETFL = 3;
    /** asm-generic/fcntl.h. */
    private static final int F_SETFL = 4;
    /** linux/eventfd.h: EFD_CLOEXEC is O_CLOEXEC (asm-generic/fcntl.h). */
    static final int EFD_CLOEXEC = 02000000;
    /** linux/fs.h / unistd.h. */
    static final int SEEK_END = 2;
    /** asm-generic/fcntl.h (flock(2) operations; sys/file.h repeats them). */
    static final int LOCK_EX = 2;

    static final int LOCK_NB = 4;
    /** asm-generic/poll.h; struct pollfd {int fd; short events; short revents;} is 8 bytes on both. */
    static final short POLLIN = 0x1;
    /** asm-generic/poll.h: the revents bits that mean the descriptor can no longer be polled. */
    static final short POLLERR = 0x8;

    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;
    /**
     * glibc bits/confname.h: _SC_PAGESIZE is 30 in glibc's single, architecture-independent enum
     * (musl's unistd.h has 30 too).
     */
    static final int SC_PAGESIZE = 30;

    // Each downcall lives in its own holder class, so it is linked on first use: linking costs
    // ~8 ms of CPU per function even with the AOT cache, and most of these are not needed before
    // the server is ready, so linking them all up front would delay launch-to-ready. A holder's
    // field is still a constant to the JIT, so the hot path (eventfd read and write) costs the same.
    private static final class CloseCall {
        static final MethodHandle H = Downcalls.link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    static final class FcntlIntCall {
        static final MethodHandle H = Downcalls.linkWithErrno(
                "fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
    }

    private static final class StrerrorCall {
        static final MethodHandle H = Downcalls.link(
                "strerror",
                FunctionDescriptor.of(
                        ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)), JAVA_INT));
    }

    private static final class FtruncateCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    }

    private static final class OpenCall {
        static final MethodHandle H = Downcalls.linkWithErrno(
                "open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
    }

    private static final class LseekCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private static final class EventfdCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class ReadCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    private static final class WriteCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    /** long sysconf(int name). */
    private static final class SysconfCall {
        static final MethodHandle H = Downcalls.linkWithErrno("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    }
    /** int flock(int fd, int operation). */
    private static final class FlockCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
    /** struct pollfd { int fd; short events; short revents; } */
    private static final class PollCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    static MemorySegment cString(Arena arena, String s) {
        return arena.allocateFrom(s, StandardCharsets.UTF_8);
    }

    static void closeQuietly(int fd) {
        try {
            int ignored = (int) CloseCall.H.invokeExact(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int dupCloexec(int fd) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        int r;
        try {
            r = (int) FcntlIntCall.H.invokeExact(capture, fd, F_DUPFD_CLOEXEC, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            throw new NativeException("fcntl(F_DUPFD_CLOEXEC)", Downcalls.errno(capture), "fd " + fd);
        }
        return r;
    }

    /** Sets O_NONBLOCK on the open file description of fd (shared with every duplicate of it). */
    static void setNonBlocking(int fd) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        int flags;
        int r;
        try {
            flags = (int) FcntlIntCall.H.invokeExact(capture, fd, F_GETFL, 0);
            if (flags < 0) {
                throw new NativeException("fcntl(F_GETFL)", Downcalls.errno(capture), "fd " + fd);
            }
            r = (int) FcntlIntCall.H.invokeExact(capture, fd, F_SETFL, flags | O_NONBLOCK);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            throw new NativeException("fcntl(F_SETFL)", Downcalls.errno(capture), "fd " + fd);
        }
    }

    static void ftruncate(int fd, long size, String what) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        while (true) {
            int r;
            try {
                r = (int) FtruncateCall.H.invokeExact(capture, fd, size);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r == 0) {
                return;
            }
            int errno = Downcalls.errno(capture);
            if (errno != LinuxErrno.EINTR) {
                throw new NativeException("ftruncate", errno, what + " to " + size + " bytes");
            }
        }
    }

    static int open(String path, int flags, int mode) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = cString(arena, path);
            while (true) {
                int r;
                try {
                    r = (int) OpenCall.H.invokeExact(capture, cpath, flags, mode);
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
                if (r >= 0) {
                    return r;
                }
                int errno = Downcalls.errno(capture);
                if (errno != LinuxErrno.EINTR) {
                    throw new NativeException("open", errno, path);
                }
            }
        }
    }

    /**
     * flock(fd, operation) with EINTR retry: 0 on success, else the negative errno (EWOULDBLOCK,
     * which is EAGAIN on Linux, when LOCK_NB finds the lock held).
     */
    static int flock(int fd, int operation) {
        MemorySegment capture = Downcalls.threadCapture();
        while (true) {
            int r;
            try {
                r = (int) FlockCall.H.invokeExact(capture, fd, operation);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r == 0) {
                return 0;
            }
            int errno = Downcalls.errno(capture);
            if (errno != LinuxErrno.EINTR) {
                return -errno;
            }
        }
    }

    /** The size of the file behind fd (lseek to its end). */
    static long fileSize(int fd, String what) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        long r;
        try {
            r = (long) LseekCall.H.invokeExact(capture, fd, 0L, SEEK_END);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            throw new NativeException("lseek", Downcalls.errno(capture), what);
        }
        return r;
    }

    /** sysconf(name), for names that always have a value (-1 throws: unknown name or no value). */
    static long sysconf(int name) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        long r;
        try {
            r = (long) SysconfCall.H.invokeExact(capture, name);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            throw new NativeException("sysconf", Downcalls.errno(capture), "name " + name);
        }
        return r;
    }

    static int eventfd(int initval, int flags) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        int r;
        try {
            r = (int) EventfdCall.H.invokeExact(capture, initval, flags);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            throw new NativeException("eventfd", Downcalls.errno(capture), null);
        }
        return r;
    }

    /** read(2) with EINTR retry; returns the byte count (0 at end of file). {@code what} names fd in errors (toString only then). */
    static long read(int fd, MemorySegment buf, Object what) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        while (true) {
            long r;
            try {
                r = (long) ReadCall.H.invokeExact(capture, fd, buf, buf.byteSize());
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r >= 0) {
                return r;
            }
            int errno = Downcalls.errno(capture);
            if (errno != LinuxErrno.EINTR) {
                throw new NativeException("read", errno, String.valueOf(what));
            }
        }
    }

    /** write(2) with EINTR retry; returns the byte count. */
    static long write(int fd, MemorySegment buf, Object what) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        while (true) {
            long r;
            try {
                r = (long) WriteCall.H.invokeExact(capture, fd, buf, buf.byteSize());
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r >= 0) {
                return r;
            }
            int errno = Downcalls.errno(capture);
            if (errno != LinuxErrno.EINTR) {
                throw new NativeException("write", errno, String.valueOf(what));
            }
        }
    }

    /**
     * Waits until fd is readable or timeoutMillis pass (negative: forever). EINTR ends the wait
     * early with false; callers loop with their own deadline.
     */
    static boolean pollReadable(int fd, int timeoutMillis, MemorySegment pollfd) throws NativeException {
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, POLLIN);
        pollfd.set(JAVA_SHORT, 6, (short) 0);
        MemorySegment capture = Downcalls.threadCapture();
        int r;
        try {
            r = (int) PollCall.H.invokeExact(capture, pollfd, 1L, timeoutMillis);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            int errno = Downcalls.errno(capture);
            if (errno == LinuxErrno.EINTR) {
                return false;
            }
            throw new NativeException("poll", errno, "fd " + fd);
        }
        return r > 0;
    }

    /**
     * Waits (without a timeout) until fd {@code a} or fd {@code b} is readable or in error. Returns
     * the revents of a in the low 16 bits and those of b in the high 16 bits; 0 after EINTR (callers
     * loop). {@code pollfds} holds two struct pollfd (16 bytes).
     */
    static int pollTwo(int a, int b, MemorySegment pollfds) throws NativeException {
        pollfds.set(JAVA_INT, 0, a);
        pollfds.set(JAVA_SHORT, 4, POLLIN);
        pollfds.set(JAVA_SHORT, 6, (short) 0);
        pollfds.set(JAVA_INT, 8, b);
        pollfds.set(JAVA_SHORT, 12, POLLIN);
        pollfds.set(JAVA_SHORT, 14, (short) 0);
        MemorySegment capture = Downcalls.threadCapture();
        int r;
        try {
            r = (int) PollCall.H.invokeExact(capture, pollfds, 2L, -1);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            int errno = Downcalls.errno(capture);
            if (errno == LinuxErrno.EINTR) {
                return 0;
            }
            throw new NativeException("poll", errno, "fds " + a + ", " + b);
        }
        return (pollfds.get(JAVA_SHORT, 6) & 0xFFFF) | (pollfds.get(JAVA_SHORT, 14) & 0xFFFF) << 16;
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) StrerrorCall.H.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? "errno " + errno : s.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
