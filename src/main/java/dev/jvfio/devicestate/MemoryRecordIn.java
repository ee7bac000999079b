package dev.jvfio.devicestate;

import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * A memory record arriving at a resuming device, written to device memory as its bytes come, not
 * gathered first: a chunk is 2 MiB and the writes that carry it are about 1 MiB, so gathering
 * would copy every byte of memory once more on the destination. The record's head (chunk offset
 * and length, extents, the head's CRC32C) is gathered and checked whole before any byte is
 * written: the chunk must lie in this device's memory and the extents in order within it, and the
 * data must be exactly the extents' bytes. The data then goes to its place as it arrives, and the
 * chunk's digest over it (holes as zeros) is compared with the trailer at the end: a chunk that
 * fails it has been written, and the stream is refused, which empties a fresh destination's memory
 * again (MIG-1.13).
 */
final class MemoryRecordIn {
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemoryImage memory;
    private final byte[] recordHead;
    private final long length;
    /** The head after the record head: fixed part, extents, head CRC; gathered before use. */
    private byte[] head = new byte[StreamFormat.MEMORY_FIXED];

    private int headFill;
    private boolean headDone;
    private long chunkStart;
    private int chunkLength;
    private long[] extents;
    private long dataBytes;
    // where the data has got to: extent index, bytes of it written, bytes of the chunk digested
    private int ext;
    private long extPos;
    private long content;
    private final CRC32C digest = new CRC32C();
    private final byte[] trailer = new byte[StreamFormat.TRAILER];
    private int trailerFill;

    /**
     * @param recordHead the record's type and length as they arrived (the head CRC covers them)
     * @param length     the record's length (without its trailer), checked against its maximum
     */
    MemoryRecordIn(MemoryImage memory, byte[] recordHead, long length) throws VfioException {
        this.memory = memory;
        this.recordHead = recordHead.clone();
        this.length = length;
        if (length < StreamFormat.MEMORY_FIXED + StreamFormat.HEAD_CRC) {
            throw VfioException.invalid("memory record of " + length + " bytes");
        }
    }

    /** Takes up to {@code n} bytes of src from {@code at}; returns how many were this record's. */
    long feed(MemorySegment src, long at, long n) throws VfioException {
        long start = at;
        long end = at + n;
        while (at < end && !done()) {
            if (!headDone) {
                int k = (int) Math.min(end - at, head.length - headFill);
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, at, head, headFill, k);
                headFill += k;
                at += k;
                if (headFill == head.length) {
                    headArrived();
                }
            } else if (ext < extents.length / 2) {
                at += data(src, at, end - at);
            } else {
                int k = (int) Math.min(end - at, trailer.length - trailerFill);
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, at, trailer, trailerFill, k);
                trailerFill += k;
                at += k;
                if (trailerFill == trailer.length) {
                    Crc.zeros(digest, chunkLength - content);
                    if ((int) digest.getValue() != Crc.getInt(trailer, 0)) {
                        throw VfioException.invalid("memory chunk at " + chunkStart + " fails its digest");
                    }
                }
            }
        }
        return at - start;
    }

    /** The fixed part, then the whole head: checked, and the chunk's holes made holes. */
    private void headArrived() throws VfioException {
        MemorySegment h = MemorySegment.ofArray(head);
        int count = h.get(LE32, 12);
        if (head.length == StreamFormat.MEMORY_FIXED) {
            if (count < 0
                    || count > StreamFormat.MAX_EXTENTS
                    || length
                            < StreamFormat.MEMORY_FIXED + (long) count * StreamFormat.EXTENT + StreamFormat.HEAD_CRC) {
                throw VfioException.invalid(
                        "memory record with " + Integer.toUnsignedString(count) + " extents in " + length + " bytes");
            }
            byte[] whole = new byte[StreamFormat.MEMORY_FIXED + count * StreamFormat.EXTENT + StreamFormat.HEAD_CRC];
            System.arraycopy(head, 0, whole, 0, head.length);
            head = whole;
            return;
        }
        int fixed = head.length - StreamFormat.HEAD_CRC;
        CRC32C headCrc = new CRC32C();
        headCrc.update(recordHead);
        headCrc.update(head, 0, fixed);
        if ((int) headCrc.getValue() != h.get(LE32, fixed)) {
            throw VfioException.invalid("memory record fails its head CRC32C");
        }
        chunkStart = h.get(LE64, 0);
        chunkLength = h.get(LE32, 8);
        if (chunkStart < 0
                || chunkStart % StreamFormat.CHUNK != 0
                || chunkStart >= memory.size()
                || chunkLength != Math.min(StreamFormat.CHUNK, memory.size() - chunkStart)) {
            throw VfioException.invalid("memory chunk at " + chunkStart + " of "
                    + Integer.toUnsignedString(chunkLength) + " bytes does not fit " + memory.size()
                    + " bytes of memory");
        }
        extents = new long[2 * count];
        long pos = 0;
        for (int i = 0; i < count; i++) {
            long off = Integer.toUnsignedLong(h.get(LE32, StreamFormat.MEMORY_FIXED + i * StreamFormat.EXTENT));
            long len = Integer.toUnsignedLong(h.get(LE32, StreamFormat.MEMORY_FIXED + i * StreamFormat.EXTENT + 4));
            if (off < pos || len == 0 || off + len > chunkLength) {
                throw VfioException.invalid("memory chunk at " + chunkStart + ": extent " + i + " [" + off + ", +" + len
                        + ") out of order or range");
            }
            extents[2 * i] = off;
            extents[2 * i + 1] = len;
            pos = off + len;
            dataBytes += len;
        }
        if (head.length + dataBytes != length) {
            throw VfioException.invalid(
                    "memory chunk at " + chunkStart + ": " + dataBytes + " bytes of extents in a record of " + length);
        }
        boolean dense = count == 1 && extents[0] == 0 && extents[1] == chunkLength;
        if (!dense) {
            memory.zero(chunkStart, chunkLength); // the chunk's holes are holes here too
        }
        headDone = true;
    }

    /** Writes the next data bytes to their extent; returns how many it took. */
    private long data(MemorySegment src, long at, long n) throws VfioException {
        long off = extents[2 * ext];
        long len = extents[2 * ext + 1];
        if (extPos == 0) {
            Crc.zeros(digest, off - content);
            content = off;
        }
        long k = Math.min(n, len - extPos);
        MemorySegment piece = src.asSlice(at, k);
        memory.write(chunkStart + off + extPos, piece);
        digest.update(piece.asByteBuffer());
        extPos += k;
        content += k;
        if (extPos == len) {
            ext++;
            extPos = 0;
        }
        return k;
    }

    /** The trailer arrived and the digest matched. */
    boolean done() {
        return trailerFill == trailer.length;
    }

    /** Whether any byte went to device memory (a hole punched counts). */
    boolean touchedMemory() {
        return headDone;
    }

    long dataBytes() {
        return dataBytes;
    }

    long chunkStart() {
        return chunkStart;
    }
}
