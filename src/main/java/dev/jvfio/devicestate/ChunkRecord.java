package dev.jvfio.devicestate;

import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.CRC32C;

/**
 * A memory record on its way out: the head (chunk offset and length, the populated extents, the
 * head's CRC32C), the extents' bytes read from the file straight into the client's buffer, and the
 * chunk's digest, computed over exactly the bytes sent (holes as zeros). A guest that writes the
 * chunk while it is sent changes its digest, so the stop-copy pass sends it again.
 */
final class ChunkRecord implements RecordOut {
    private final ImageReader memory;
    private final long chunkStart;
    private final int chunkLength;
    /** Extent offsets and lengths within the chunk, alternating. */
    private final long[] extents;

    private final byte[] head;
    private final CRC32C digest = new CRC32C();
    private final byte[] trailer = new byte[StreamFormat.TRAILER];
    private final long dataBytes;
    private int headPos;
    private int ext;
    private long extPos;
    private long contentPos;
    private int trailerPos = -1;
    private int digestValue;

    ChunkRecord(ImageReader memory, long chunkStart, int chunkLength, long[] extents) {
        this.memory = memory;
        this.chunkStart = chunkStart;
        this.chunkLength = chunkLength;
        this.extents = extents;
        int count = extents.length / 2;
        long data = 0;
        for (int i = 0; i < count; i++) {
            data += extents[2 * i + 1];
        }
        this.dataBytes = data;
        int fixed = StreamFormat.RECORD_HEAD + StreamFormat.MEMORY_FIXED + count * StreamFormat.EXTENT;
        head = new byte[fixed + StreamFormat.HEAD_CRC];
        Crc.putInt(head, 0, StreamFormat.MEMORY);
        Crc.putLong(head, 4, head.length - StreamFormat.RECORD_HEAD + data);
        Crc.putLong(head, 12, chunkStart);
        Crc.putInt(head, 20, chunkLength);
        Crc.putInt(head, 24, count);
        for (int i = 0; i < count; i++) {
            Crc.putInt(head, 28 + i * StreamFormat.EXTENT, (int) extents[2 * i]);
            Crc.putInt(head, 32 + i * StreamFormat.EXTENT, (int) extents[2 * i + 1]);
        }
        Crc.putInt(head, fixed, Crc.of(head, 0, fixed));
    }

    @Override
    public long emit(MemorySegment dst, long at) throws VfioException {
        long start = at;
        long limit = dst.byteSize();
        if (headPos < head.length) {
            int n = (int) Math.min(limit - at, head.length - headPos);
            MemorySegment.copy(head, headPos, dst, ValueLayout.JAVA_BYTE, at, n);
            headPos += n;
            at += n;
        }
        int count = extents.length / 2;
        while (headPos == head.length && ext < count && at < limit) {
            long off = extents[2 * ext];
            long len = extents[2 * ext + 1];
            if (extPos == 0 && contentPos < off) {
                Crc.zeros(digest, off - contentPos);
                contentPos = off;
            }
            long n = Math.min(limit - at, len - extPos);
            MemorySegment piece = dst.asSlice(at, n);
            memory.read(chunkStart + off + extPos, piece);
            digest.update(piece.asByteBuffer());
            extPos += n;
            contentPos += n;
            at += n;
            if (extPos == len) {
                ext++;
                extPos = 0;
            }
        }
        if (headPos == head.length && ext == count && trailerPos < 0) {
            Crc.zeros(digest, chunkLength - contentPos);
            contentPos = chunkLength;
            digestValue = (int) digest.getValue();
            Crc.putInt(trailer, 0, digestValue);
            trailerPos = 0;
        }
        if (trailerPos >= 0 && trailerPos < trailer.length && at < limit) {
            int n = (int) Math.min(limit - at, trailer.length - trailerPos);
            MemorySegment.copy(trailer, trailerPos, dst, ValueLayout.JAVA_BYTE, at, n);
            trailerPos += n;
            at += n;
        }
        return at - start;
    }

    @Override
    public boolean done() {
        return trailerPos == trailer.length;
    }

    long chunkStart() {
        return chunkStart;
    }

    /** The digest of the chunk as sent; valid once {@link #done}. */
    int digest() {
        return digestValue;
    }

    long dataBytes() {
        return dataBytes;
    }

    /** Bytes of the whole record. */
    long length() {
        return head.length + dataBytes + StreamFormat.TRAILER;
    }
}
