package dev.jvfio.transport;

import dev.jvfio.os.Fd;
import dev.jvfio.os.LinuxErrno;
import dev.jvfio.os.NativeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A listening AF_UNIX stream socket bound to a path. The socket file gets the permission bits
 * (and group) of a {@link SocketAccess}, which is AF_UNIX's access control.
 */
public final class UnixServerSocket implements AutoCloseable {
    /** linux/stat.h (uapi), the same on every Linux architecture; the mode comes from the JDK. */
    private static final int S_IFMT = 0170000;

    private static final int S_IFSOCK = 0140000;
    private static final int BACKLOG = 16;

    private final Path path;
    private final byte[] pathBytes;
    private final SocketHandle handle;
    /** Identity of the socket file we created; close() removes the file only if it is still ours. */
    private final Object inode;

    private final AtomicBoolean closed = new AtomicBoolean();

    private UnixServerSocket(Path path, byte[] pathBytes, Fd fd, Object inode) {
        this.path = path;
        this.pathBytes = pathBytes;
        this.handle = new SocketHandle(fd, "server socket " + path);
        this.inode = inode;
    }

    /**
     * Creates the socket file at path with {@code access} and listens on it. A socket file that
     * nobody answers on (left by a crashed server) is replaced.
     *
     * @throws IOException another server answers on path ("another server is listening on PATH");
     *                     path exists and is not a socket (it is left untouched); the path is too
     *                     long for sun_path; or a system call failed (NativeException names it)
     */
    public static UnixServerSocket listen(Path path, SocketAccess access) throws IOException {
        byte[] pathBytes = SocketCalls.pathBytes(path);
        removeStaleSocket(path, pathBytes);
        Fd fd = Fd.adopt(SocketCalls.socket());
        boolean bound = false;
        try {
            SocketCalls.bind(fd.value(), pathBytes, path);
            bound = true;
            // Nobody can connect before listen(), so fixing the mode here leaves no window
            // with the umask's (possibly wider) permissions.
            SocketFileCalls.chmod(pathBytes, access.mode(), path);
            if (access.groupId() != null) {
                SocketFileCalls.chgrp(pathBytes, access.groupId(), path);
            }
            Object inode = inodeOf(path);
            SocketCalls.listen(fd.value(), BACKLOG, path);
            return new UnixServerSocket(path, pathBytes, fd, inode);
        } catch (IOException | RuntimeException e) {
            fd.close();
            if (bound) {
                SocketFileCalls.unlink(pathBytes);
            }
            throw e;
        }
    }

    private static void removeStaleSocket(Path path, byte[] pathBytes) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket; refusing to replace it");
        }
        // Non-blocking probe: a live server whose backlog is full would block a plain connect,
        // and EAGAIN from it still means somebody is listening.
        try (Fd probe = Fd.adopt(SocketCalls.socket(SocketCalls.SOCK_NONBLOCK))) {
            int r = SocketCalls.connect(probe.value(), pathBytes);
            if (r == 0 || r == -LinuxErrno.EAGAIN) {
                throw new IOException("another server is listening on " + path);
            }
            if (r != -LinuxErrno.ECONNREFUSED) {
                throw new NativeException("connect", -r, "probing the existing socket " + path);
            }
        }
        int r = SocketFileCalls.unlink(pathBytes);
        if (r != 0 && r != -LinuxErrno.ENOENT /* someone else removed it meanwhile */) {
            throw new NativeException("unlink", -r, "stale socket " + path);
        }
    }

    private static Object inodeOf(Path path) throws IOException {
        // inode numbers are reused at once on tmpfs; the change time tells a new file from ours
        Map<String, Object> attrs = Files.readAttributes(path, "unix:ino,dev,ctime", LinkOption.NOFOLLOW_LINKS);
        return attrs.get("dev") + ":" + attrs.get("ino") + ":" + attrs.get("ctime");
    }

    /**
     * Waits for the next client. After (or during) {@link #close()}: ClosedException.
     */
    public UnixConnection accept() throws IOException {
        int sock = handle.acquire();
        try {
            while (true) {
                int r = SocketCalls.accept(sock);
                if (r >= 0) {
                    return new UnixConnection(Fd.adopt(r));
                }
                if (handle.isClosing()) {
                    throw new ClosedException("server socket " + path + " closed");
                }
                int errno = -r;
                if (errno == LinuxErrno.EINTR || errno == LinuxErrno.ECONNABORTED) {
                    continue;
                }
                throw new NativeException("accept4", errno, path.toString());
            }
        } finally {
            handle.release();
        }
    }

    public Path path() {
        return path;
    }

    /** Stops listening (a thread blocked in accept gets ClosedException) and removes the socket file. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        handle.close();
        try {
            if (inode.equals(inodeOf(path))) {
                SocketFileCalls.unlink(pathBytes);
            }
        } catch (IOException e) {
            // gone already, or replaced by someone else's file: not ours to remove
        }
    }

    @Override
    public String toString() {
        return "UnixServerSocket(" + path + ")";
    }
}
