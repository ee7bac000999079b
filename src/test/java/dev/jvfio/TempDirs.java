package dev.jvfio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Test directories under /tmp with a short name, so socket paths in them stay well under AF_UNIX's 108 bytes. */
public final class TempDirs {
    private TempDirs() {}

    public static Path create() throws IOException {
        return Files.createTempDirectory(Path.of("/tmp"), "jv");
    }

    /** Removes dir and everything below it, best effort (a file that cannot be removed is left). */
    public static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
