package dev.jvfio.devicestate;

import dev.jvfio.device.VfioException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * One pass over device memory, chunk by chunk in address order, finding the chunks that hold data
 * with lseek (SEEK_DATA) so that holes cost nothing. A chunk already sent in this stream is read
 * again and sent only if its digest changed: the pre-copy pass finds every chunk unsent, the
 * stop-copy pass after it resends only what the guest changed meanwhile, and a stop-copy pass
 * without a pre-copy sends everything.
 */
final class MemoryPass {
    /** Bytes read per step while checking a chunk's digest: small enough to stay in the CPU's cache. */
    private static final long SCAN = 256 << 10;

    private final ImageReader reader;
    private final MemoryImage memory;
    private final ChunkDigests digests;
    private final MemorySegment scratch;
    private final Extents extents;
    /** Checks the chunks sent before in parallel, or null (each is read here when the pass reaches it). */
    private final ChunkScan scan;

    private long cursor;
    private boolean over;
    private int rescanned;
    private int unchanged;

    MemoryPass(ImageReader reader, ChunkDigests digests, Arena arena) {
        this(reader, digests, arena, null);
    }

    /** A pass that asks {@code scan} whether a chunk sent before changed. */
    MemoryPass(ImageReader reader, ChunkDigests digests, Arena arena, ChunkScan scan) {
        this.scan = scan;
        this.reader = reader;
        this.memory = reader.memory();
        this.digests = digests;
        this.scratch = arena.allocate(SCAN, 4096);
        this.extents = new Extents(memory);
    }

    /** The next chunk to send, or null when the pass is over. */
    ChunkRecord next() throws VfioException {
        while (!over) {
            long d = extents.nextData(cursor);
            if (d < 0) {
                over = true;
                return null;
            }
            int chunk = (int) (d / StreamFormat.CHUNK);
            long start = chunk * StreamFormat.CHUNK;
            int length = (int) Math.min(StreamFormat.CHUNK, memory.size() - start);
            cursor = start + length;
            if (digests.sent(chunk)) {
                rescanned++;
                boolean same = scan != null && scan.covers(chunk)
                        ? !scan.changed(chunk)
                        : contentDigest(start, length, extents.inChunk(start, length)) == digests.digest(chunk);
                if (same) {
                    unchanged++;
                    continue;
                }
            }
            return new ChunkRecord(reader, start, length, extents.inChunk(start, length));
        }
        return null;
    }

    /** The CRC32C of the chunk's content now, holes as zeros: what {@link ChunkRecord} computes as it sends. */
    private int contentDigest(long start, int length, long[] chunkExtents) throws VfioException {
        CRC32C crc = new CRC32C();
        reader.digest(crc, start, length, chunkExtents, scratch);
        return (int) crc.getValue();
    }

    /** Where the pass has got to (an image offset). */
    long cursor() {
        return over ? memory.size() : cursor;
    }

    boolean over() {
        return over;
    }

    /** Chunks sent before that this pass read again, and how many of them it found unchanged. */
    int rescanned() {
        return rescanned;
    }

    int unchanged() {
        return unchanged;
    }
}
