package dev.jvfio.linker;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one linker and errno capture that every downcall of jvfio goes through: the C library calls
 * of {@code dev.jvfio.os} ({@code Libc}, {@code MemoryCalls}) and the socket calls of the transport
 * layer link their C library functions with it and read errno from its capture segment. Each caller keeps its own function
 * descriptors and method handles; only the plumbing is shared, so that errno is captured the
 * same way everywhere.
 *
 * <p>A handle linked by {@link #linkWithErrno} takes the capture segment as its first argument;
 * the JDK stores errno there right after the call, before anything else in the JVM can change it.
 * Callers on a hot path pass preallocated memory ({@link #allocateCapture}); the others use the
 * calling thread's segment ({@link #threadCapture}), so a call allocates nothing for errno.
 */
public final class Downcalls {
    private Downcalls() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** errno capture space for the calling thread; lives as long as the thread. */
    private static final ThreadLocal<MemorySegment> THREAD_CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /** A downcall to the C library function {@code name} that leaves errno alone. */
    public static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** A downcall whose first argument is the errno capture segment; {@code extra} options follow it. */
    public static MethodHandle linkWithErrno(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return link(name, fd, options);
    }

    /** The errno a call linked by {@link #linkWithErrno} stored in {@code capture}. */
    public static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** A capture segment in {@code arena}, for callers that preallocate their native memory. */
    public static MemorySegment allocateCapture(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    /** The calling thread's capture segment. */
    public static MemorySegment threadCapture() {
        return THREAD_CAPTURE.get();
    }
}
