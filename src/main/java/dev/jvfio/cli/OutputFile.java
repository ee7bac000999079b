package dev.jvfio.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A file written whole or not at all: a regular file (or a new one) is written as a temporary file
 * beside it and renamed over it by {@link #commit()}, so a failure half way leaves the old content;
 * anything else (a pipe, /dev/stdout) is written in place.
 */
final class OutputFile implements AutoCloseable {
    private final Path target;
    private final Path temporary;
    private final OutputStream stream;
    private boolean committed;

    private OutputFile(Path target, Path temporary, OutputStream stream) {
        this.target = target;
        this.temporary = temporary;
        this.stream = stream;
    }

    static OutputFile open(Path target) throws IOException {
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            return new OutputFile(target, null, Files.newOutputStream(target));
        }
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        if (Files.exists(target)) Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));
        return new OutputFile(target, tmp, Files.newOutputStream(tmp));
    }

    OutputStream stream() {
        return stream;
    }

    /** All bytes are written: the file takes its new content. */
    void commit() throws IOException {
        stream.close();
        if (temporary != null)
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
    }

    @Override
    public void close() throws IOException {
        stream.close();
        if (!committed && temporary != null) Files.deleteIfExists(temporary);
    }
}
