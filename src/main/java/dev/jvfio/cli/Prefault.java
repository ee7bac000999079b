package dev.jvfio.cli;

import dev.jvfio.units.ByteSize;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a device-memory backing file once from start to end, so its pages sit in the page cache
 * before a guest touches them (no fault storm on first use), with progress on stderr.
 */
final class Prefault {
    static final int CHUNK = 16 << 20;

    private Prefault() {}

    /** Reads the file; {@code check} runs between chunks and throws to stop early (serve is stopping). */
    static long file(Path path, Progress progress, Runnable check) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long total = ch.size();
            progress.begin("pre-faulting " + path + " (" + new ByteSize(total).human() + ")");
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            long done = 0;
            while (done < total) {
                check.run();
                buf.clear();
                int n = ch.read(buf, done);
                if (n < 0) break;
                done += n;
                progress.update(done, total);
            }
            progress.done();
            return done;
        }
    }
}
