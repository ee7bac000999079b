package dev.jvfio.devicestate;

import java.util.BitSet;

/**
 * The digest of every chunk a saving stream has sent, by chunk index: what the stop-copy pass
 * compares a chunk's content with to decide whether to send it again. 4 bytes per 2 MiB chunk
 * (192 KiB for 96 GiB of device memory).
 */
final class ChunkDigests {
    private final int[] digests;
    private final BitSet sent;

    ChunkDigests(long memorySize) {
        int chunks = Math.toIntExact((memorySize + StreamFormat.CHUNK - 1) / StreamFormat.CHUNK);
        digests = new int[chunks];
        sent = new BitSet(chunks);
    }

    void record(int chunk, int digest) {
        digests[chunk] = digest;
        sent.set(chunk);
    }

    boolean sent(int chunk) {
        return sent.get(chunk);
    }

    int digest(int chunk) {
        return digests[chunk];
    }

    /** The chunks sent, ascending. */
    int[] sentChunks() {
        return sent.stream().toArray();
    }

    int sentCount() {
        return sent.cardinality();
    }
}
