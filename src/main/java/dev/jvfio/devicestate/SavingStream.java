package dev.jvfio.devicestate;

import dev.jvfio.device.VfioException;
import dev.jvfio.os.FileIdentity;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The stream a saving device produces (PRE_COPY, STOP_COPY), record by record, into whatever
 * reads the client makes. The header goes first; then device memory, one pass over its populated
 * chunks. In PRE_COPY that pass runs while the guest does, and once it is over a read returns 0
 * ("nothing more for now"). {@link #beginStopCopy} starts a second pass that sends what changed
 * (or everything, without a pre-copy), then the state sections the stopped device saved, then the
 * end record; after it reads come back short, then empty.
 */
final class SavingStream implements AutoCloseable {
    private enum Phase {
        HEADER,
        MEMORY,
        IDLE,
        SECTIONS,
        END,
        DONE
    }

    private final StreamIdentity identity;
    private final MemoryImage memory;
    /** Reads {@link #memory} for the stream's whole life, or null. */
    private final ImageReader reader;
    /** The memory file both sides map, when no memory records are sent; else null. */
    private final MemoryImage sharedSource;

    private final boolean shared;
    private final Arena arena = Arena.ofShared();
    private final ChunkDigests digests;
    private final Deque<byte[]> sections = new ArrayDeque<>();
    private Phase phase = Phase.HEADER;
    private MemoryPass pass;
    /** The stop-copy pass's parallel check of what pre-copy sent, or null. */
    private ChunkScan scan;

    private RecordOut current;
    private boolean stopCopy;
    private int sectionCount;
    private long stateBytes;
    // what went out, for the end record
    private long records;
    private long memoryRecords;
    private long memoryBytes;
    private long streamBytes;

    /**
     * @param memory the device memory, or null for a device without
     * @param shared the destination maps the same memory file: no memory records
     */
    SavingStream(StreamIdentity identity, MemoryImage memory, boolean shared) {
        this.identity = identity;
        this.memory = shared ? null : memory;
        this.shared = shared && memory != null;
        this.digests = this.memory == null ? null : new ChunkDigests(this.memory.size());
        this.reader = this.memory == null ? null : ImageReader.of(this.memory);
        this.pass = this.memory == null ? null : new MemoryPass(reader, digests, arena);
        this.sharedSource = shared ? memory : null;
    }

    /**
     * The device stopped: send what changed since the pre-copy pass (or all memory), then these
     * section records, then the end. The record on its way out finishes first.
     */
    void beginStopCopy(List<byte[]> sectionRecords) {
        stopCopy = true;
        sections.addAll(sectionRecords);
        sectionCount = sectionRecords.size();
        stateBytes = sectionRecords.stream().mapToLong(r -> r.length).sum();
        if (memory != null) {
            scan = digests.sentCount() == 0 ? null : new ChunkScan(reader, digests, ChunkScan.defaultThreads());
            pass = new MemoryPass(reader, digests, arena, scan);
        }
        if (phase == Phase.IDLE) {
            phase = Phase.MEMORY;
        }
    }

    /** Fills dst with the stream's next bytes; returns how many (see the class comment for 0 and short). */
    long read(MemorySegment dst) throws VfioException {
        long at = 0;
        while (at < dst.byteSize()) {
            if (current == null) {
                current = next();
                if (current == null) {
                    break;
                }
            }
            at += current.emit(dst, at);
            if (current.done()) {
                finished(current);
                current = null;
            }
        }
        streamBytes += at;
        return at;
    }

    private RecordOut next() throws VfioException {
        while (true) {
            switch (phase) {
                case HEADER -> {
                    phase = pass == null ? (stopCopy ? Phase.SECTIONS : Phase.IDLE) : Phase.MEMORY;
                    return new RecordOut.Bytes(RecordOut.framed(StreamFormat.HEADER, header()));
                }
                case MEMORY -> {
                    ChunkRecord c = pass.next();
                    if (c != null) {
                        return c;
                    }
                    phase = stopCopy ? Phase.SECTIONS : Phase.IDLE;
                    endScan();
                }
                case SECTIONS -> {
                    if (!sections.isEmpty()) {
                        return new RecordOut.Bytes(sections.poll());
                    }
                    phase = Phase.END;
                }
                case END -> {
                    phase = Phase.DONE;
                    return new RecordOut.Bytes(RecordOut.framed(StreamFormat.END, end()));
                }
                default -> {
                    return null; // IDLE: nothing more for now; DONE: the end
                }
            }
        }
    }

    private void finished(RecordOut r) {
        records++;
        if (r instanceof ChunkRecord c) {
            memoryRecords++;
            memoryBytes += c.dataBytes();
            digests.record((int) (c.chunkStart() / StreamFormat.CHUNK), c.digest());
        }
    }

    private byte[] header() throws VfioException {
        StateWriter w = new StateWriter()
                .putLong(StreamFormat.MAGIC)
                .putInt(StreamFormat.VERSION)
                .putInt(shared ? StreamFormat.FLAG_SHARED_MEMORY : 0)
                .putString(identity.kind())
                .putString(identity.profile())
                .putLong(identity.memorySize());
        if (shared) {
            FileIdentity file = sharedSource.identity();
            w.putLong(file.device()).putLong(file.inode()).putLong(sharedSource.fileOffset());
        }
        return w.toByteArray();
    }

    private byte[] end() {
        return new StateWriter()
                .putLong(records)
                .putLong(memoryRecords)
                .putLong(memoryBytes)
                .putInt(sectionCount)
                .toByteArray();
    }

    /**
     * About how many bytes the rest of the stream holds if the device stopped now: the memory the
     * pass has not reached (chunks sent already count as unchanged) and the device state.
     */
    long remainingEstimate(long stateEstimate) throws VfioException {
        if (phase == Phase.DONE) {
            return 0;
        }
        long rest = stopCopy ? stateBytes : stateEstimate;
        if (pass != null && (phase == Phase.HEADER || phase == Phase.MEMORY)) {
            rest += memory.populatedBytes(pass.cursor());
        }
        return rest;
    }

    /** Whether the end record went out. */
    boolean complete() {
        return phase == Phase.DONE && current == null;
    }

    long streamBytes() {
        return streamBytes;
    }

    long memoryBytes() {
        return memoryBytes;
    }

    long memoryRecords() {
        return memoryRecords;
    }

    /** The current pass's rescan statistics (chunks checked again, chunks found unchanged). */
    int rescanned() {
        return pass == null ? 0 : pass.rescanned();
    }

    int unchanged() {
        return pass == null ? 0 : pass.unchanged();
    }

    private void endScan() {
        if (scan != null) {
            scan.close();
            scan = null;
        }
    }

    @Override
    public void close() {
        endScan();
        if (reader != null) {
            reader.close();
        }
        arena.close();
    }
}
