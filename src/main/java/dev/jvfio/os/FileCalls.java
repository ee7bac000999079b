package dev.jvfio.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jvfio.linker.Downcalls;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The positional file calls of the C library (pread, pwrite, lseek with SEEK_DATA and SEEK_HOLE,
 * fallocate), through {@link Downcalls}' linker and errno capture. Package-private plumbing behind
 * {@link SparseFile}. Every constant has the same value on x86-64 and aarch64 Linux (glibc), from
 * the kernel's generic headers; docs/arm64.md lists them.
 */
final class FileCalls {
    private FileCalls() {}

    /** linux/fs.h (uapi): the next byte that holds data at or after the offset. */
    static final int SEEK_DATA = 3;
    /** linux/fs.h (uapi): the next hole at or after the offset (end of file counts as one). */
    static final int SEEK_HOLE = 4;
    /** linux/falloc.h. */
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** linux/falloc.h. */
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** asm-generic/errno-base.h: lseek past the last data, or at or past the end. */
    static final int ENXIO = 6;

    // Linked on first use, as in Libc (see there).
    private static final class LseekCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private static final class PreadCall {
        static final MethodHandle H = Downcalls.linkWithErrno(
                "pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    private static final class PwriteCall {
        static final MethodHandle H = Downcalls.linkWithErrno(
                "pwrite", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    private static final class FallocateCall {
        static final MethodHandle H = Downcalls.linkWithErrno(
                "fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    }

    /** lseek(fd, offset, whence); -1 for ENXIO (no data, or no hole, from there on). */
    static long seek(int fd, long offset, int whence) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        long r;
        try {
            r = (long) LseekCall.H.invokeExact(capture, fd, offset, whence);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r >= 0) {
            return r;
        }
        int errno = Downcalls.errno(capture);
        if (errno == ENXIO) {
            return -1;
        }
        throw new NativeException(
                "lseek", errno, "fd " + fd + " at " + offset + (whence == SEEK_DATA ? " (SEEK_DATA)" : " (SEEK_HOLE)"));
    }

    /** One pread(2) of buf (native) at offset, EINTR retried; 0 at end of file. */
    static long pread(int fd, MemorySegment buf, long offset) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        while (true) {
            long r;
            try {
                r = (long) PreadCall.H.invokeExact(capture, fd, buf, buf.byteSize(), offset);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r >= 0) {
                return r;
            }
            int errno = Downcalls.errno(capture);
            if (errno != LinuxErrno.EINTR) {
                throw new NativeException("pread", errno, "fd " + fd + " at " + offset);
            }
        }
    }

    /** One pwrite(2) of buf (native) at offset, EINTR retried. */
    static long pwrite(int fd, MemorySegment buf, long offset) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        while (true) {
            long r;
            try {
                r = (long) PwriteCall.H.invokeExact(capture, fd, buf, buf.byteSize(), offset);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r >= 0) {
                return r;
            }
            int errno = Downcalls.errno(capture);
            if (errno != LinuxErrno.EINTR) {
                throw new NativeException("pwrite", errno, "fd " + fd + " at " + offset);
            }
        }
    }

    /** fallocate(fd, mode, offset, length); returns 0 or the errno. */
    static int fallocate(int fd, int mode, long offset, long length) {
        MemorySegment capture = Downcalls.threadCapture();
        while (true) {
            int r;
            try {
                r = (int) FallocateCall.H.invokeExact(capture, fd, mode, offset, length);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r == 0) {
                return 0;
            }
            int errno = Downcalls.errno(capture);
            if (errno != LinuxErrno.EINTR) {
                return errno;
            }
        }
    }
}
