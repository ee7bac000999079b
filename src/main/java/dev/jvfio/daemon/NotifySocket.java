package dev.jvfio.daemon;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jvfio.linker.Downcalls;
import dev.jvfio.os.Fd;
import dev.jvfio.os.LinuxErrno;
import dev.jvfio.os.NativeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The service manager's notification socket ({@code $NOTIFY_SOCKET}, sd_notify(3)): an AF_UNIX
 * datagram socket of our own that sends each state message as one datagram to that address. The
 * address is a file path, or an abstract name written with a leading {@code @} (the NUL that
 * starts it on the wire), whose length then counts exactly its bytes, with no terminating NUL.
 * {@code java.nio}'s UNIX-domain channels are stream-only, hence the downcalls. Constants and the
 * sockaddr_un layout are the generic Linux ones, the same on x86-64 and aarch64 (docs/arm64.md).
 */
final class NotifySocket implements AutoCloseable {
    /** bits/socket.h. */
    private static final int AF_UNIX = 1;
    /** bits/socket_type.h (generic; only mips differs). */
    private static final int SOCK_DGRAM = 2;
    /** bits/socket_type.h: O_CLOEXEC. */
    private static final int SOCK_CLOEXEC = 0x80000;
    /** linux/socket.h: no SIGPIPE if the manager went away. */
    private static final int MSG_NOSIGNAL = 0x4000;
    /** linux/un.h: sun_path[108] after a 16-bit family. */
    static final int SUN_PATH_SIZE = 108;

    private static final int SUN_PATH_OFFSET = 2;

    private static final class SocketCall {
        static final MethodHandle H =
                Downcalls.linkWithErrno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }
    /** ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen). */
    private static final class SendtoCall {
        static final MethodHandle H = Downcalls.linkWithErrno(
                "sendto", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private final Fd fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment address;
    private final int addressLength;
    private final String text;

    private NotifySocket(Fd fd, byte[] sunPath, String text) {
        this.fd = fd;
        this.text = text;
        this.address = arena.allocate(SUN_PATH_OFFSET + SUN_PATH_SIZE, 2);
        address.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(sunPath, 0, address, JAVA_BYTE, SUN_PATH_OFFSET, sunPath.length);
        // a path counts its terminating NUL (the segment is zeroed); an abstract name only its bytes
        this.addressLength = SUN_PATH_OFFSET + sunPath.length + (sunPath[0] == 0 ? 0 : 1);
    }

    /**
     * A socket that sends to {@code notifySocket} as systemd writes it into the environment: an
     * absolute path or {@code @name}. IOException for anything else (empty, relative, a vsock
     * address, too long) or when no socket can be made.
     */
    static NotifySocket open(String notifySocket) throws IOException {
        byte[] sunPath = sunPath(notifySocket);
        int r;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(a);
            r = (int) SocketCall.H.invokeExact(capture, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (r < 0) {
                throw new NativeException("socket(AF_UNIX, SOCK_DGRAM)", Downcalls.errno(capture), null);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return new NotifySocket(Fd.adopt(r), sunPath, notifySocket);
    }

    /** The sun_path bytes of a NOTIFY_SOCKET value: the path, or a NUL and the name for {@code @name}. */
    static byte[] sunPath(String notifySocket) throws IOException {
        if (notifySocket == null || notifySocket.isEmpty()) {
            throw new IOException("NOTIFY_SOCKET is empty");
        }
        byte[] bytes = notifySocket.getBytes(StandardCharsets.UTF_8);
        if (bytes[0] == '@') {
            if (bytes.length < 2) throw new IOException("NOTIFY_SOCKET '@' names no abstract socket");
            bytes[0] = 0;
        } else if (bytes[0] != '/') {
            throw new IOException(
                    "NOTIFY_SOCKET '" + notifySocket + "' is neither an absolute path nor an @abstract name");
        }
        int limit = bytes[0] == 0 ? SUN_PATH_SIZE : SUN_PATH_SIZE - 1;
        if (bytes.length > limit) {
            throw new IOException("NOTIFY_SOCKET is " + bytes.length + " bytes, more than an AF_UNIX address holds");
        }
        for (int i = 1; i < bytes.length; i++) {
            if (bytes[i] == 0) throw new IOException("NOTIFY_SOCKET contains a NUL byte");
        }
        return bytes;
    }

    /** Sends {@code state} (newline-separated VAR=value lines) as one datagram. */
    synchronized void send(String state) throws IOException {
        byte[] payload = state.getBytes(StandardCharsets.UTF_8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.allocateCapture(a);
            MemorySegment buf = a.allocateFrom(JAVA_BYTE, payload);
            while (true) {
                long n = (long) SendtoCall.H.invokeExact(
                        capture, fd.value(), buf, (long) payload.length, MSG_NOSIGNAL, address, addressLength);
                if (n >= 0) return;
                int errno = Downcalls.errno(capture);
                if (errno != LinuxErrno.EINTR) throw new NativeException("sendto", errno, text);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public synchronized void close() {
        if (fd.isOpen()) {
            fd.close();
            arena.close();
        }
    }
}
