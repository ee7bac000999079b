package dev.jvfio.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Which file an open descriptor is, on this host: its device and inode numbers. Two descriptors
 * with equal identities reach the same bytes (two processes that opened one backing file); the
 * numbers mean nothing on another host. Read through the JDK's {@code unix:} attributes of
 * {@code /proc/self/fd/N}, so no {@code struct stat} layout is involved.
 *
 * @param device the st_dev of the file
 * @param inode  the st_ino of the file
 */
public record FileIdentity(long device, long inode) {
    /** The identity of the file behind fd. */
    public static FileIdentity of(Fd fd) throws NativeException {
        Path p = Path.of("/proc/self/fd", Integer.toString(fd.value()));
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino");
            return new FileIdentity(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue());
        } catch (IOException | UnsupportedOperationException | ClassCastException | NullPointerException e) {
            throw new NativeException("stat(" + p + ")", LinuxErrno.EIO, e.toString());
        }
    }
}
