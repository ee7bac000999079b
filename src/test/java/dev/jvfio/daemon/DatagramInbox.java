package dev.jvfio.daemon;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jvfio.linker.Downcalls;
import dev.jvfio.os.Fd;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/** A service manager's end for tests: an AF_UNIX datagram socket bound to a path or an abstract name. */
public final class DatagramInbox implements AutoCloseable {
    private static final MethodHandle SOCKET =
            Downcalls.linkWithErrno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND =
            Downcalls.linkWithErrno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = Downcalls.linkWithErrno(
            "setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV =
            Downcalls.linkWithErrno("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private final Fd fd;
    private final Arena arena = Arena.ofConfined();

    /** Binds to {@code address} as NOTIFY_SOCKET spells it (a path, or @name); receives time out after 5 s. */
    public DatagramInbox(String address) throws Throwable {
        MemorySegment capture = Downcalls.allocateCapture(arena);
        int s = (int) SOCKET.invokeExact(capture, 1, 2 | 0x80000, 0);
        if (s < 0) throw new IllegalStateException("socket: errno " + Downcalls.errno(capture));
        fd = Fd.adopt(s);
        byte[] path = NotifySocket.sunPath(address);
        MemorySegment addr = arena.allocate(110, 2);
        addr.set(JAVA_SHORT, 0, (short) 1);
        MemorySegment.copy(path, 0, addr, JAVA_BYTE, 2, path.length);
        int len = 2 + path.length + (path[0] == 0 ? 0 : 1);
        if ((int) BIND.invokeExact(capture, s, addr, len) < 0) {
            throw new IllegalStateException("bind " + address + ": errno " + Downcalls.errno(capture));
        }
        MemorySegment tv = arena.allocate(16, 8);
        tv.set(JAVA_LONG, 0, 5L);
        int r = (int) SETSOCKOPT.invokeExact(capture, s, 1, 20, tv, 16); // SO_RCVTIMEO
        if (r < 0) throw new IllegalStateException("setsockopt: errno " + Downcalls.errno(capture));
    }

    /** The next datagram as text, or null after the timeout. */
    public String receive() throws Throwable {
        MemorySegment capture = Downcalls.allocateCapture(arena);
        MemorySegment buf = arena.allocate(4096);
        long n = (long) RECV.invokeExact(capture, fd.value(), buf, 4096L, 0);
        if (n < 0) return null;
        return new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        fd.close();
        arena.close();
    }
}
