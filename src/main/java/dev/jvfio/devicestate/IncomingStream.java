package dev.jvfio.devicestate;

import dev.jvfio.device.VfioException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The stream a resuming device receives, parsed as it arrives in writes of any size. Each record is
 * gathered whole, checked (its CRC32C, its bounds, its place in the stream) and only then used:
 * the header must name this device's kind, profile and memory size; a memory chunk is written to
 * device memory once its digest matches; a section is loaded into a staged change. Nothing else
 * of the device changes before {@link #commit}, which applies every staged section, and only when
 * the stream ended with an end record whose counts match and named every section.
 *
 * <p>Writes never fail because of what they carry: the first problem is remembered, everything
 * after it dropped, and {@link #commit} refuses the stream with it (the protocol reports bad data
 * at RESUMING to STOP).
 */
final class IncomingStream implements AutoCloseable {
    private final StreamIdentity identity;
    private final Map<String, StateSection> sections = new LinkedHashMap<>();
    private final Map<String, StateSection.Staged> staged = new LinkedHashMap<>();
    private final MemoryImage memory;
    private final Arena arena = Arena.ofShared();
    private final byte[] head = new byte[StreamFormat.RECORD_HEAD];
    private final BitSet received;
    private MemorySegment buffer;
    private int headFill;
    private int type;
    private long need;
    private long fill;
    private boolean headerSeen;
    private boolean shared;
    private boolean ended;
    private String error;
    // counted as records arrive, to check against the end record
    private long records;
    private long memoryRecords;
    private long memoryBytes;
    private long bytes;

    IncomingStream(StreamIdentity identity, List<StateSection> sections, MemoryImage memory) {
        this.identity = identity;
        for (StateSection s : sections) {
            this.sections.put(s.name(), s);
        }
        this.memory = memory;
        this.received = memory == null
                ? new BitSet()
                : new BitSet((int) ((memory.size() + StreamFormat.CHUNK - 1) / StreamFormat.CHUNK));
    }

    /** Takes the next bytes of the stream. */
    void write(MemorySegment src) {
        long at = 0;
        long n = src.byteSize();
        bytes += n;
        while (at < n && error == null) {
            if (ended) {
                fail("bytes after the end record");
                return;
            }
            if (headFill < head.length) {
                int k = (int) Math.min(n - at, head.length - headFill);
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, at, head, headFill, k);
                headFill += k;
                at += k;
                if (headFill == head.length) {
                    startRecord();
                }
                continue;
            }
            long k = Math.min(n - at, need - fill);
            MemorySegment.copy(src, at, buffer, fill, k);
            fill += k;
            at += k;
            if (fill == need) {
                finishRecord();
            }
        }
    }

    private void startRecord() {
        type = Crc.getInt(head, 0);
        long length = Crc.getLong(head, 4);
        if (!headerSeen && type != StreamFormat.HEADER) {
            fail("not a jvfio device state stream (first record has type " + Integer.toUnsignedString(type) + ")");
            return;
        }
        long max = StreamFormat.maxPayload(type);
        if (max < 0) {
            fail("record of unknown type " + Integer.toUnsignedString(type));
            return;
        }
        if (length < 0 || length > max) {
            fail("record of type " + type + " claims " + Long.toUnsignedString(length) + " bytes (at most " + max
                    + ")");
            return;
        }
        need = length + StreamFormat.TRAILER;
        fill = 0;
        if (buffer == null) {
            // one buffer for the largest record (a whole memory chunk), made by the first record
            buffer = arena.allocate(StreamFormat.MAX_MEMORY_PAYLOAD + StreamFormat.TRAILER, 4096);
        }
    }

    private void finishRecord() {
        headFill = 0;
        records++;
        try {
            switch (type) {
                case StreamFormat.MEMORY -> memoryRecord();
                default -> framedRecord();
            }
        } catch (VfioException e) {
            fail(e.getMessage());
        }
    }

    /** A header, section or end record: its CRC32C covers head and payload. */
    private void framedRecord() throws VfioException {
        int length = (int) (need - StreamFormat.TRAILER);
        byte[] payload = new byte[length];
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, payload, 0, length);
        CRC32C crc = new CRC32C();
        crc.update(head);
        crc.update(payload);
        if ((int) crc.getValue()
                != buffer.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), length)) {
            throw VfioException.invalid("record " + records + " (type " + type + ") fails its CRC32C");
        }
        switch (type) {
            case StreamFormat.HEADER -> header(new StateReader(payload, "header"));
            case StreamFormat.SECTION -> section(payload);
            default -> end(new StateReader(payload, "end"));
        }
    }

    private void header(StateReader in) throws VfioException {
        if (headerSeen) {
            throw VfioException.invalid("a second header record");
        }
        long magic = in.getLong();
        if (magic != StreamFormat.MAGIC) {
            throw VfioException.invalid("not a jvfio device state stream (magic 0x" + Long.toHexString(magic) + ")");
        }
        int version = in.getInt();
        if (version != StreamFormat.VERSION) {
            throw VfioException.invalid("stream version " + Integer.toUnsignedString(version)
                    + "; this device reads version " + StreamFormat.VERSION);
        }
        int flags = in.getInt();
        if ((flags & ~StreamFormat.FLAG_SHARED_MEMORY) != 0) {
            throw VfioException.invalid("unknown header flags 0x" + Integer.toHexString(flags));
        }
        StreamIdentity theirs = new StreamIdentity(in.getString(), in.getString(), in.getLong());
        if (!theirs.equals(identity)) {
            throw VfioException.invalid("stream of " + describe(theirs) + " cannot resume " + describe(identity));
        }
        shared = (flags & StreamFormat.FLAG_SHARED_MEMORY) != 0;
        if (shared) {
            long device = in.getLong();
            long inode = in.getLong();
            long offset = in.getLong();
            if (memory == null) {
                throw VfioException.invalid("the stream shares a memory file and this device has no memory");
            }
            var mine = memory.identity();
            if (mine.device() != device || mine.inode() != inode || memory.fileOffset() != offset) {
                throw VfioException.invalid(
                        "the stream shares memory file dev " + device + " inode " + inode + " at " + offset
                                + "; this device's memory is dev " + mine.device() + " inode " + mine.inode() + " at "
                                + memory.fileOffset());
            }
        }
        in.end();
        headerSeen = true;
    }

    private static String describe(StreamIdentity id) {
        return "'" + id.kind() + "' '" + id.profile() + "' with " + id.memorySize() + " bytes of memory";
    }

    private void section(byte[] payload) throws VfioException {
        StateReader names = new StateReader(payload, "?");
        String name = names.getString();
        StateSection s = sections.get(name);
        if (s == null) {
            throw VfioException.invalid(
                    "state section '" + name + "' is not one of this device's " + sections.keySet());
        }
        if (staged.containsKey(name)) {
            throw VfioException.invalid("state section '" + name + "' twice");
        }
        byte[] data = Arrays.copyOfRange(payload, payload.length - names.remaining(), payload.length);
        staged.put(name, s.load(new StateReader(data, name)));
    }

    private void end(StateReader in) throws VfioException {
        long theirRecords = in.getLong();
        long theirMemoryRecords = in.getLong();
        long theirMemoryBytes = in.getLong();
        int theirSections = in.getInt();
        in.end();
        if (theirRecords != records - 1
                || theirMemoryRecords != memoryRecords
                || theirMemoryBytes != memoryBytes
                || theirSections != staged.size()) {
            throw VfioException.invalid("end record counts " + theirRecords + " records, " + theirMemoryRecords
                    + " memory records of " + theirMemoryBytes + " bytes, " + theirSections + " sections; received "
                    + (records - 1) + ", " + memoryRecords + " of " + memoryBytes + ", " + staged.size());
        }
        ended = true;
    }

    /** A memory record: head CRC, bounds, then the chunk's digest over its content; then written. */
    private void memoryRecord() throws VfioException {
        if (memory == null || shared) {
            throw VfioException.invalid(
                    "a memory record for a device " + (shared ? "that shares its memory file" : "without memory"));
        }
        long length = need - StreamFormat.TRAILER;
        var le32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        var le64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        if (length < StreamFormat.MEMORY_FIXED + StreamFormat.HEAD_CRC) {
            throw VfioException.invalid("memory record of " + length + " bytes");
        }
        long start = buffer.get(le64, 0);
        int chunkLength = buffer.get(le32, 8);
        int count = buffer.get(le32, 12);
        if (count < 0
                || count > StreamFormat.MAX_EXTENTS
                || length < StreamFormat.MEMORY_FIXED + (long) count * StreamFormat.EXTENT + StreamFormat.HEAD_CRC) {
            throw VfioException.invalid(
                    "memory record with " + Integer.toUnsignedString(count) + " extents in " + length + " bytes");
        }
        int fixed = StreamFormat.MEMORY_FIXED + count * StreamFormat.EXTENT;
        CRC32C headCrc = new CRC32C();
        headCrc.update(head);
        headCrc.update(buffer.asSlice(0, fixed).asByteBuffer());
        if ((int) headCrc.getValue() != buffer.get(le32, fixed)) {
            throw VfioException.invalid("memory record " + records + " fails its head CRC32C");
        }
        if (start < 0
                || start % StreamFormat.CHUNK != 0
                || start >= memory.size()
                || chunkLength != Math.min(StreamFormat.CHUNK, memory.size() - start)) {
            throw VfioException.invalid("memory chunk at " + start + " of " + Integer.toUnsignedString(chunkLength)
                    + " bytes does not fit " + memory.size() + " bytes of memory");
        }
        long[] extents = new long[2 * count];
        long pos = 0;
        long data = 0;
        for (int i = 0; i < count; i++) {
            long off = Integer.toUnsignedLong(buffer.get(le32, StreamFormat.MEMORY_FIXED + i * StreamFormat.EXTENT));
            long len =
                    Integer.toUnsignedLong(buffer.get(le32, StreamFormat.MEMORY_FIXED + i * StreamFormat.EXTENT + 4));
            if (off < pos || len == 0 || off + len > chunkLength) {
                throw VfioException.invalid("memory chunk at " + start + ": extent " + i + " [" + off + ", +" + len
                        + ") out of order or range");
            }
            extents[2 * i] = off;
            extents[2 * i + 1] = len;
            pos = off + len;
            data += len;
        }
        long dataAt = (long) fixed + StreamFormat.HEAD_CRC;
        if (dataAt + data != length) {
            throw VfioException.invalid(
                    "memory chunk at " + start + ": " + data + " bytes of extents in a record of " + length);
        }
        CRC32C digest = new CRC32C();
        long content = 0;
        long at = dataAt;
        for (int i = 0; i < count; i++) {
            Crc.zeros(digest, extents[2 * i] - content);
            digest.update(buffer.asSlice(at, extents[2 * i + 1]).asByteBuffer());
            content = extents[2 * i] + extents[2 * i + 1];
            at += extents[2 * i + 1];
        }
        Crc.zeros(digest, chunkLength - content);
        if ((int) digest.getValue() != buffer.get(le32, length)) {
            throw VfioException.invalid("memory chunk at " + start + " fails its digest");
        }
        boolean dense = count == 1 && extents[0] == 0 && extents[1] == chunkLength;
        if (!dense) {
            memory.zero(start, chunkLength); // the chunk's holes are holes here too
        }
        at = dataAt;
        for (int i = 0; i < count; i++) {
            memory.write(start + extents[2 * i], buffer.asSlice(at, extents[2 * i + 1]));
            at += extents[2 * i + 1];
        }
        received.set((int) (start / StreamFormat.CHUNK));
        memoryRecords++;
        memoryBytes += data;
    }

    private void fail(String why) {
        if (error == null) {
            error = why;
        }
    }

    /**
     * RESUMING to STOP: refuses an incomplete or bad stream (EINVAL, the device as it was), else
     * clears the memory the source did not have and applies every section.
     */
    void commit() throws VfioException {
        if (error != null) {
            throw VfioException.invalid("device state stream refused: " + error);
        }
        if (!ended) {
            String where = headFill > 0
                    ? " inside a record head"
                    : need > fill ? " inside a record (" + fill + " of " + need + " bytes)" : "";
            throw VfioException.invalid("device state stream ended early after " + bytes + " bytes" + where
                    + (headerSeen ? ", before its end record" : ", before its header"));
        }
        for (String name : sections.keySet()) {
            if (!staged.containsKey(name)) {
                throw VfioException.invalid("device state stream has no section '" + name + "'");
            }
        }
        if (memory != null && !shared) {
            clearUnsent();
        }
        for (StateSection.Staged s : staged.values()) {
            s.apply();
        }
    }

    /** Chunks that hold data here but were not in the stream held nothing on the source. */
    private void clearUnsent() throws VfioException {
        for (long d = memory.nextData(0); d >= 0; ) {
            int chunk = (int) (d / StreamFormat.CHUNK);
            long start = chunk * StreamFormat.CHUNK;
            long end = Math.min(memory.size(), start + StreamFormat.CHUNK);
            if (!received.get(chunk)) {
                memory.zero(start, end - start);
            }
            d = memory.nextData(end);
        }
    }

    /** Memory records written to device memory so far. */
    long memoryRecords() {
        return memoryRecords;
    }

    /** Bytes written so far. */
    long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        arena.close();
    }
}
