package dev.jvfio.transport;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jvfio.linker.Downcalls;
import dev.jvfio.os.NativeException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The calls on a listening socket's file: chmod and chown give it the access {@link SocketAccess}
 * asks for, unlink removes it. The path is the same sun_path bytes the socket was bound with
 * ({@link SocketCalls#pathBytes}), so a path the JDK would read in another charset reaches the
 * same file.
 */
final class SocketFileCalls {
    private SocketFileCalls() {}

    private static final class ChmodCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("chmod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class ChownCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("chown", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }

    private static final class UnlinkCall {
        static final MethodHandle H = Downcalls.linkWithErrno("unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    static void chmod(byte[] pathBytes, int mode, Path path) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            int r = (int) ChmodCall.H.invokeExact(capture, SocketCalls.cPath(arena, pathBytes), mode);
            if (r < 0) {
                throw new NativeException(
                        "chmod(0" + Integer.toOctalString(mode) + ")", Downcalls.errno(capture), path.toString());
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** chown(path, -1, gid): changes only the group. */
    static void chgrp(byte[] pathBytes, int gid, Path path) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            int r = (int) ChownCall.H.invokeExact(capture, SocketCalls.cPath(arena, pathBytes), -1, gid);
            if (r < 0) {
                throw new NativeException("chown(-1, " + gid + ")", Downcalls.errno(capture), path.toString());
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** unlink(path); returns 0 or -errno. */
    static int unlink(byte[] pathBytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(arena);
            int r = (int) UnlinkCall.H.invokeExact(capture, SocketCalls.cPath(arena, pathBytes));
            return r == 0 ? 0 : -Downcalls.errno(capture);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
