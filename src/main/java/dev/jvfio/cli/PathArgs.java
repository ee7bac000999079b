package dev.jvfio.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks of paths the user names, made before a command does any work, each failing with one
 * sentence that names the option: an empty path, a socket path that is some other file, an output
 * file that cannot be written.
 */
final class PathArgs {
    private PathArgs() {}

    /** A socket to connect to: not empty, and a socket if something is there (missing is the caller's case). */
    static void requireSocket(String option, Path socket) {
        if (socket.toString().isEmpty()) throw new UsageError(option + ": the path is empty");
        if (Files.exists(socket) && !isSocket(socket)) {
            throw new UsageError(option + " " + socket + " is not a socket"
                    + (Files.isDirectory(socket) ? " but a directory" : "") + "; give the path 'jvfio serve' printed");
        }
    }

    /**
     * An output file: its directory exists, it is not a directory, and it can be written: an
     * existing file is opened for writing without truncating it, a new one is created and removed
     * again, so that nothing is left when the command then fails for another reason.
     */
    static void requireWritable(String option, Path file) {
        if (file.toString().isEmpty()) throw new UsageError(option + ": the path is empty");
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new UsageError(option + " " + file + ": directory " + parent + " does not exist");
        }
        if (Files.isDirectory(file)) throw new UsageError(option + " " + file + " is a directory");
        try {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isWritable(file))
                    throw new UsageError(option + " " + file + ": cannot write it: permission denied");
                return;
            }
            Files.createFile(file);
            Files.delete(file);
        } catch (FileAlreadyExistsException raced) {
            // someone created it meanwhile: writable or not, the write itself will tell
        } catch (IOException e) {
            throw new UsageError(option + " " + file + ": cannot write it: " + Reasons.of(e));
        }
    }

    /** Socket paths we can see are wrong before creating anything: a file that is not a socket in the way. */
    static void preflightSockets(List<DeviceSpec> specs) {
        for (DeviceSpec s : specs) {
            Path sock = s.socket();
            if (Files.exists(sock, LinkOption.NOFOLLOW_LINKS) && !isSocket(sock)) {
                throw new UsageError(
                        "--socket " + sock + " exists and is not a socket; not touching it (choose another --socket)");
            }
            for (Path p = sock.getParent(); p != null; p = p.getParent()) {
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p)) {
                    throw new UsageError("--socket " + sock + ": " + p + " is not a directory");
                }
            }
        }
    }

    static boolean isSocket(Path p) {
        try {
            return Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) instanceof Integer mode
                    && (mode & 0170000) == 0140000; // S_IFSOCK
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }
}
