package dev.jvfio.trace;

import dev.jvfio.os.Fd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What kind of file each passed descriptor is, in the words of the recorded traces: {@code memfd},
 * {@code eventfd}, {@code socket} or {@code file}, read from the {@code /proc/self/fd} link the
 * kernel gives every open descriptor (the proxy holds the descriptor while it forwards it).
 */
final class FdKinds {
    private FdKinds() {}

    static List<String> of(List<Fd> fds) {
        if (fds.isEmpty()) {
            return List.of();
        }
        List<String> kinds = new ArrayList<>(fds.size());
        for (Fd fd : fds) {
            kinds.add(kind(fd));
        }
        return List.copyOf(kinds);
    }

    static String kind(Fd fd) {
        String target;
        try {
            target = Files.readSymbolicLink(Path.of("/proc/self/fd", Integer.toString(fd.value())))
                    .toString();
        } catch (IOException | RuntimeException e) {
            return "file";
        }
        return kindOfLink(target);
    }

    /** The kind for a /proc/self/fd link target, e.g. "/memfd:gpu0 (deleted)" or "anon_inode:[eventfd]". */
    static String kindOfLink(String target) {
        if (target.startsWith("/memfd:")) {
            return "memfd";
        }
        if (target.equals("anon_inode:[eventfd]")) {
            return "eventfd";
        }
        if (target.startsWith("socket:")) {
            return "socket";
        }
        return "file";
    }
}
