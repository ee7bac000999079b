package dev.jvfio.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where sockets go when the user names none: under systemd with a {@code RuntimeDirectory=} (the
 * unit jvfio@NAME.service) in {@code $RUNTIME_DIRECTORY/gpuN.sock}, else in
 * {@code $XDG_RUNTIME_DIR/jvfio/gpuN.sock}, else {@code ./run/gpuN.sock}. {@code serve} and
 * {@code qemu-args} share this so their defaults agree.
 */
public final class SocketPaths {
    private SocketPaths() {}

    public static Path directory(Map<String, String> env) {
        String runtime = env.get("RUNTIME_DIRECTORY"); // systemd: the unit's directories, ':'-separated
        if (runtime != null && !runtime.isBlank()) {
            String first = runtime.split(":", 2)[0];
            if (Path.of(first).isAbsolute()) return Path.of(first);
        }
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "jvfio");
        }
        return Path.of("run").toAbsolutePath();
    }

    public static Path defaultSocket(Map<String, String> env, int index) {
        return directory(env).resolve("gpu" + index + ".sock");
    }

    /** The given sockets (made absolute), or {@code count} defaults when none were given. */
    public static List<Path> resolve(List<Path> given, int count, Map<String, String> env) {
        List<Path> out = new ArrayList<>();
        if (given.isEmpty()) {
            for (int i = 0; i < count; i++) out.add(defaultSocket(env, i));
        } else {
            for (Path p : given) out.add(p.toAbsolutePath().normalize());
        }
        return out;
    }
}
