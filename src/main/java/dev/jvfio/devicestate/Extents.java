package dev.jvfio.devicestate;

import dev.jvfio.device.VfioException;
import java.util.Arrays;

/**
 * The populated extents of a {@link MemoryImage} as one pass walks them in address order. lseek
 * with SEEK_HOLE finds the end of an extent by walking every page up to it (on a memfd or tmpfs),
 * so a pass that asked it once per 2 MiB chunk would walk a 1 GiB extent 512 times; this remembers
 * the last extent it found and answers from it while the pass is inside it. Within one pass the
 * guest may write new pages into what was a hole: those the pass misses are found by the digest
 * check of the stop-copy pass, which reads whole chunks.
 */
final class Extents {
    private final MemoryImage memory;
    private long start = -1;
    private long end = -1;

    Extents(MemoryImage memory) {
        this.memory = memory;
    }

    /** The first offset at or after {@code from} that holds data, or -1. */
    long nextData(long from) throws VfioException {
        if (from >= start && from < end) {
            return from;
        }
        return memory.nextData(from);
    }

    /** The end of the data extent that holds {@code at} (an offset {@link #nextData} returned). */
    long nextHole(long at) throws VfioException {
        if (at >= start && at < end) {
            return end;
        }
        long h = memory.nextHole(at);
        start = at;
        end = h;
        return h;
    }

    /** The populated extents of the chunk at {@code chunkStart}, as offsets and lengths within it. */
    long[] inChunk(long chunkStart, int length) throws VfioException {
        long chunkEnd = chunkStart + length;
        long[] out = new long[8];
        int n = 0;
        for (long d = nextData(chunkStart); d >= 0 && d < chunkEnd; ) {
            long h = Math.min(chunkEnd, nextHole(d));
            if (n + 2 > out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            out[n++] = d - chunkStart;
            out[n++] = h - d;
            d = h >= chunkEnd ? -1 : nextData(h);
        }
        return Arrays.copyOf(out, n);
    }
}
