package dev.jvfio.cli;

import dev.jvfio.os.BackingFile;
import dev.jvfio.os.NativeException;
import dev.jvfio.units.ByteSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rules for device memory files, checked for every device before any is created: one device per
 * file (the same file through another path or a symlink included), the file's size is the device
 * memory's unless {@code --resize-backing-file} says to change it, and never a file in use by
 * another process. The lock that keeps a file to one device while it is served is taken when the
 * device opens it ({@link BackingFile#open}); this class turns its refusals into sentences.
 */
final class BackingFiles {
    static final String RESIZE_OPTION = "--resize-backing-file";

    private BackingFiles() {}

    /**
     * What tells two paths apart as files: device and inode of an existing file, else the real
     * directory it would be created in plus its name; symlinks are followed in both cases, a
     * dangling one to the file it would create.
     */
    static String identity(Path p) {
        Path q = followLinks(p);
        try {
            Map<String, Object> a = Files.readAttributes(q, "unix:dev,ino");
            return "inode " + a.get("dev") + ":" + a.get("ino");
        } catch (IOException | UnsupportedOperationException e) {
            Path parent = q.getParent();
            try {
                return "path " + (parent == null ? q : parent.toRealPath().resolve(q.getFileName()));
            } catch (IOException e2) {
                return "path " + q;
            }
        }
    }

    /** The file a path ends at once its symlinks are followed, dangling or not (at most 40, as the kernel). */
    static Path followLinks(Path p) {
        Path q = p.toAbsolutePath().normalize();
        for (int hops = 0; hops < 40 && Files.isSymbolicLink(q); hops++) {
            try {
                q = q.resolveSibling(Files.readSymbolicLink(q)).toAbsolutePath().normalize();
            } catch (IOException e) {
                break;
            }
        }
        return q;
    }

    /** How a message names the file: the option or config field it came from. */
    static String named(DeviceSpec s, Path config) {
        return config == null
                ? "--backing-file " + s.backingFile()
                : "config " + config + ": " + s.name() + ".backing-file " + s.backingFile();
    }

    /**
     * Checks every device's file before anything is created: its directory exists, it is a regular
     * file if it exists, nobody else holds it, and its size is the device memory's (or resizing was
     * asked for). Creates and changes nothing.
     */
    static void preflight(List<DeviceSpec> specs, boolean resize, Path config) {
        for (DeviceSpec s : specs) {
            Path file = s.backingFile();
            if (file == null) continue;
            String what = named(s, config);
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new UsageError(what + ": directory " + parent + " does not exist");
            }
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw new UsageError(
                        what + ": " + (Files.isDirectory(file) ? "is a directory" : "is not a regular file")
                                + "; device memory needs a file of its own");
            }
            BackingFile.State state;
            try {
                state = BackingFile.inspect(file);
            } catch (NativeException e) {
                throw refusal(s, e, config)
                        .orElseGet(() -> new UsageError(what + ": cannot open it: " + Reasons.of(e)));
            }
            long wanted = ProfileWiring.effectiveMemory(s);
            if (state.exists() && state.size() != 0 && state.size() != wanted && !resize) {
                throw sizeRefusal(s, state.size(), wanted, config);
            }
            if (!state.exists()) {
                try {
                    // can it be created? (removed again: nothing is created before every check passed)
                    Files.delete(Files.createFile(followLinks(file)));
                } catch (IOException e) {
                    throw new UsageError(what + ": cannot create it: " + Reasons.of(e));
                }
            }
        }
    }

    /**
     * With {@code --resize-backing-file}: gives an existing file that holds another size the device
     * memory's size, and says so. Returns the line to log, or null when nothing was changed.
     */
    static String resizeIfAsked(DeviceSpec s, boolean resize) {
        if (!resize || s.backingFile() == null) return null;
        long wanted = ProfileWiring.effectiveMemory(s);
        try {
            BackingFile.State state = BackingFile.inspect(s.backingFile());
            if (!state.exists() || state.size() == 0 || state.size() == wanted) return null;
            long had = BackingFile.resize(s.backingFile(), wanted);
            return s.name() + ": " + (wanted > had ? "grew" : "shrank") + " " + s.backingFile() + " from "
                    + new ByteSize(had).human() + " to " + new ByteSize(wanted).human() + " (" + RESIZE_OPTION + ")"
                    + (wanted < had ? "; the bytes past " + new ByteSize(wanted).human() + " are gone" : "");
        } catch (NativeException e) {
            throw refusal(s, e, null)
                    .orElseGet(() -> new UsageError(named(s, null) + ": cannot resize it: " + Reasons.of(e)));
        }
    }

    /** The sentence for a file another user holds or that holds another size; empty for other failures. */
    static Optional<UsageError> refusal(DeviceSpec s, Throwable failure, Path config) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BackingFile.InUseException e) {
                long self = ProcessHandle.current().pid();
                String who = e.holderPid().isEmpty()
                        ? "another process"
                        : e.holderPid().getAsLong() == self
                                ? "another device of this server"
                                : "pid " + e.holderPid().getAsLong()
                                        + " (another jvfio serve, or a client it passed the file to)";
                return Optional.of(new UsageError(named(s, config) + " is in use by " + who
                        + "; a device memory file serves one device at a time"));
            }
            if (t instanceof BackingFile.SizeMismatchException e) {
                return Optional.of(sizeRefusal(s, e.holds(), e.wanted(), config));
            }
        }
        return Optional.empty();
    }

    private static UsageError sizeRefusal(DeviceSpec s, long holds, long wanted, Path config) {
        String has = new ByteSize(holds).human();
        String asked = new ByteSize(wanted).human();
        return new UsageError(named(s, config) + " holds " + has + " of device memory, not the " + asked + " asked for;"
                + " serve it as it is with --mem-size " + new ByteSize(holds).qemu() + ", or add " + RESIZE_OPTION
                + " to "
                + (wanted > holds
                        ? "grow it to " + asked
                        : "shrink it to " + asked + " (the bytes past " + asked + " are lost)"));
    }
}
