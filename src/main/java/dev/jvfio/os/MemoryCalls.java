package dev.jvfio.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jvfio.linker.Downcalls;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The memory calls of the C library: memfd_create and its seals, mmap and munmap, through
 * {@link Downcalls}' linker and errno capture. Package-private plumbing behind {@link Memfd},
 * {@link BackingFile} and {@link MappedMemory}; each wrapper throws a {@link NativeException}
 * that names the call.
 *
 * <p>As in {@link Libc}, every constant has the same value on x86-64 and aarch64 Linux (glibc):
 * both take them from the kernel's generic headers. The header each comes from is named;
 * docs/arm64.md lists them all.
 */
final class MemoryCalls {
    private MemoryCalls() {}

    /** linux/memfd.h. */
    static final int MFD_CLOEXEC = 1;
    /** linux/memfd.h. */
    static final int MFD_ALLOW_SEALING = 2;
    /** linux/fcntl.h: F_LINUX_SPECIFIC_BASE + 9. */
    static final int F_ADD_SEALS = 1033;
    /** linux/fcntl.h. */
    static final int F_SEAL_SEAL = 1;
    /** linux/fcntl.h. */
    static final int F_SEAL_SHRINK = 2;
    /** linux/fcntl.h. */
    static final int F_SEAL_GROW = 4;
    /** asm-generic/mman-common.h. */
    static final int PROT_READ = 1;
    /** asm-generic/mman-common.h. */
    static final int PROT_WRITE = 2;
    /** linux/mman.h (uapi). */
    static final int MAP_SHARED = 0x01;
    /** asm-generic/mman.h (x86 and arm64 both include it; other architectures differ). */
    static final int MAP_NORESERVE = 0x4000;
    /** sys/mman.h: (void *) -1. */
    static final long MAP_FAILED = -1L;

    // Linked on first use, as in Libc (see there).
    private static final class MemfdCreateCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class MmapCall {
        static final MethodHandle H = Downcalls.linkWithErrno(
                "mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    }

    private static final class MunmapCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    }

    static int memfdCreate(String name, int flags) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        int r;
        try (Arena arena = Arena.ofConfined()) {
            r = (int) MemfdCreateCall.H.invokeExact(capture, Libc.cString(arena, name), flags);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            throw new NativeException("memfd_create", Downcalls.errno(capture), name);
        }
        return r;
    }

    /** fcntl(F_ADD_SEALS) on a memfd created with MFD_ALLOW_SEALING. */
    static void addSeals(int fd, int seals, String what) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        int r;
        try {
            r = (int) Libc.FcntlIntCall.H.invokeExact(capture, fd, F_ADD_SEALS, seals);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            throw new NativeException("fcntl(F_ADD_SEALS)", Downcalls.errno(capture), what);
        }
    }

    static long mmap(long length, int prot, int flags, int fd, long offset) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        long r;
        try {
            r = (long) MmapCall.H.invokeExact(capture, 0L, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r == MAP_FAILED) {
            throw new NativeException(
                    "mmap", Downcalls.errno(capture), "fd " + fd + ", offset " + offset + ", " + length + " bytes");
        }
        return r;
    }

    static void munmap(long address, long length) throws NativeException {
        MemorySegment capture = Downcalls.threadCapture();
        int r;
        try {
            r = (int) MunmapCall.H.invokeExact(capture, address, length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r != 0) {
            throw new NativeException(
                    "munmap", Downcalls.errno(capture), "0x" + Long.toHexString(address) + ", " + length + " bytes");
        }
    }
}
