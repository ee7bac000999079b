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
    /** The memory record arriving, or null. */
    private MemoryRecordIn memoryIn;
    /** Some memory record wrote to device memory (or punched a hole in it). */
    private boolean memoryTouched;

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
            if (memoryIn != null) {
                at += memoryData(src, at, n - at);
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
        if (type == StreamFormat.MEMORY) {
            if (memory == null || shared) {
                fail("a memory record for a device " + (shared ? "that shares its memory file" : "without memory"));
                return;
            }
            try {
                memoryIn = new MemoryRecordIn(memory, head, length);
            } catch (VfioException e) {
                fail(e.getMessage());
            }
            return;
        }
        if (buffer == null) {
            // one buffer for the largest framed record (a section), made by the first record
            buffer = arena.allocate(StreamFormat.MAX_SECTION_PAYLOAD + StreamFormat.TRAILER, 8);
        }
    }

    /** Memory record bytes: written where they belong as they come (see {@link MemoryRecordIn}). */
    private long memoryData(MemorySegment src, long at, long n) {
        try {
            long k = memoryIn.feed(src, at, n);
            memoryTouched |= memoryIn.touchedMemory();
            if (memoryIn.done()) {
                headFill = 0;
                records++;
                received.set((int) (memoryIn.chunkStart() / StreamFormat.CHUNK));
                memoryRecords++;
                memoryBytes += memoryIn.dataBytes();
                memoryIn = null;
            }
            return k;
        } catch (VfioException e) {
            memoryTouched |= memoryIn.touchedMemory();
            fail(e.getMessage());
            return n;
        }
    }

    private void finishRecord() {
        headFill = 0;
        records++;
        try {
            framedRecord();
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
            String where = memoryIn != null
                    ? " inside a memory record"
                    : headFill > 0
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

    /** Whether the stream wrote to device memory (a memory record began, whole or not). */
    boolean touchedMemory() {
        return memoryTouched;
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
