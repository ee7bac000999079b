package dev.jvfio.devicestate;

import dev.jvfio.device.DeviceMigration;
import dev.jvfio.device.MigrationState;
import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Migration v2 of a device made of {@link StateSection}s and, optionally, device memory in a file
 * ({@link MemoryImage}): what each arc does, and the stream (docs/migration-state.md, MIG-1.x).
 *
 * <ul>
 *   <li>RUNNING to STOP stops every section in order (interrupts held pending, copies paused at a
 *       chunk boundary); STOP to RUNNING runs them again.</li>
 *   <li>RUNNING to PRE_COPY starts a stream: header and one pass over populated memory while the
 *       guest runs. PRE_COPY to STOP_COPY stops the device and continues the same stream with the
 *       chunks whose digest changed, the sections and the end; STOP to STOP_COPY starts a stream
 *       that sends all of it. Leaving a saving state drops its stream.</li>
 *   <li>STOP to RESUMING starts an empty incoming stream; RESUMING to STOP applies it whole or
 *       refuses it with EINVAL, the device's state as it was.</li>
 * </ul>
 *
 * <p>With {@link #shareMemoryFile} set, the stream carries no memory: the destination must map the
 * same memory file on the same host, which it checks (device and inode numbers and offset).
 *
 * <p>Calls come from the session thread one at a time (the {@link DeviceMigration} contract); they
 * are synchronized all the same, so a stray call from elsewhere cannot tear the state.
 */
public final class DeviceStateMigration implements DeviceMigration {
    private final StreamIdentity identity;
    private final List<StateSection> sections;
    private final MemoryImage memory;
    private volatile boolean shareMemoryFile;
    private SavingStream saving;
    /** What the last saving stream sent, kept when it is dropped. */
    private Progress last = new Progress(0, 0, 0, 0, 0, false);

    private IncomingStream incoming;
    /** The device memory held no data when the incoming stream started (a fresh destination). */
    private boolean memoryWasEmpty;

    private boolean stopped;

    /**
     * @param identity what the stream's header names and a destination must match
     * @param sections the device's parts, in the order they stop, save, load and run (PCI core first)
     * @param memory   the device memory, or null for a device without
     */
    public DeviceStateMigration(StreamIdentity identity, List<StateSection> sections, MemoryImage memory) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.sections = List.copyOf(sections);
        this.memory = memory;
        Set<String> names = new HashSet<>();
        for (StateSection s : this.sections) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("two state sections named '" + s.name() + "'");
            }
        }
        if (memory != null && memory.size() != identity.memorySize()) {
            throw new IllegalArgumentException(
                    "memory of " + memory.size() + " bytes for an identity of " + identity.memorySize());
        }
    }

    /**
     * Whether streams leave device memory out because source and destination map one file (a
     * {@code --backing-file} both servers of one host opened). The destination refuses a stream
     * that says so unless its memory is that very file.
     */
    public void shareMemoryFile(boolean share) {
        this.shareMemoryFile = share;
    }

    public StreamIdentity identity() {
        return identity;
    }

    /** The device's state sections, in order. */
    public List<StateSection> sections() {
        return sections;
    }

    /** PRE_COPY is offered: memory moves while the guest runs (a device without memory sends only its header then). */
    @Override
    public boolean preCopy() {
        return true;
    }

    @Override
    public synchronized void transition(MigrationState from, MigrationState to) throws VfioException {
        switch (from) {
            case RUNNING -> {
                if (to == MigrationState.STOP) {
                    stop();
                    return;
                }
                if (to == MigrationState.PRE_COPY) {
                    newSaving();
                    return;
                }
            }
            case STOP -> {
                switch (to) {
                    case RUNNING -> {
                        run();
                        return;
                    }
                    case STOP_COPY -> {
                        newSaving();
                        saving.beginStopCopy(snapshot());
                        return;
                    }
                    case RESUMING -> {
                        dropIncoming();
                        memoryWasEmpty = memory != null && memory.nextData(0) < 0;
                        incoming = new IncomingStream(identity, sections, memory);
                        return;
                    }
                    default -> {}
                }
            }
            case PRE_COPY -> {
                if (to == MigrationState.RUNNING) {
                    dropSaving();
                    return;
                }
                if (to == MigrationState.STOP_COPY && saving != null) {
                    stop();
                    saving.beginStopCopy(snapshot());
                    return;
                }
            }
            case STOP_COPY -> {
                if (to == MigrationState.STOP) {
                    dropSaving();
                    return;
                }
            }
            case RESUMING -> {
                if (to == MigrationState.STOP && incoming != null) {
                    try {
                        incoming.commit();
                    } catch (VfioException | RuntimeException e) {
                        unwrite();
                        throw e;
                    } finally {
                        dropIncoming();
                    }
                    return;
                }
            }
            default -> {}
        }
        throw VfioException.invalid("no migration arc " + from + " -> " + to);
    }

    private void newSaving() {
        dropSaving();
        saving = new SavingStream(identity, memory, shareMemoryFile);
    }

    /** Every section's state as a record, saved now (the device is stopped). */
    private List<byte[]> snapshot() {
        List<byte[]> out = new ArrayList<>(sections.size());
        for (StateSection s : sections) {
            StateWriter w = new StateWriter().putString(s.name());
            s.save(w);
            out.add(RecordOut.framed(StreamFormat.SECTION, w.toByteArray()));
        }
        return out;
    }

    /** Stops every section; marked stopped first, so that a reset after a failure runs every one again. */
    private void stop() throws VfioException {
        if (!stopped) {
            stopped = true;
            for (StateSection s : sections) {
                s.stop();
            }
        }
    }

    private void run() {
        if (stopped) {
            stopped = false;
            for (StateSection s : sections) {
                s.run();
            }
        }
    }

    @Override
    public synchronized long read(MemorySegment dst) throws VfioException {
        if (saving == null) {
            throw VfioException.invalid("no saving stream");
        }
        return saving.read(dst);
    }

    @Override
    public synchronized void write(MemorySegment src) throws VfioException {
        if (incoming == null) {
            throw VfioException.invalid("no incoming stream");
        }
        incoming.write(src);
    }

    /**
     * The rest of the saving stream if the device stopped now; outside a saving state, all
     * populated memory and the state. An estimate: memory is counted, not read.
     */
    @Override
    public synchronized long stopCopyLength() {
        try {
            long state = 0;
            for (byte[] r : snapshot()) {
                state += r.length;
            }
            if (saving != null) {
                return saving.remainingEstimate(state);
            }
            return state + (memory == null || shareMemoryFile ? 0 : memory.populatedBytes(0));
        } catch (VfioException | RuntimeException e) {
            return 0;
        }
    }

    /** The client went away: streams dropped (a half-received one unwritten), the device running again. */
    @Override
    public synchronized void abandon() {
        dropSaving();
        if (incoming != null) {
            unwrite();
        }
        dropIncoming();
        run();
    }

    /**
     * A refused or abandoned incoming stream leaves the device as it was: sections are only staged,
     * so that is already true of them; memory chunks are written as they arrive, so a destination
     * whose memory was empty when the stream started gets it emptied again. (Memory that held data
     * before cannot be restored without a copy of it; a migration destination's never does.)
     */
    private void unwrite() {
        if (memoryWasEmpty && incoming.touchedMemory()) {
            try {
                memory.zero(0, memory.size());
            } catch (VfioException e) {
                // the refusal already reports the stream's own problem; the memory stays as written
            }
        }
    }

    private void dropSaving() {
        if (saving != null) {
            last = progressOf(saving);
            saving.close();
            saving = null;
        }
    }

    private void dropIncoming() {
        if (incoming != null) {
            incoming.close();
            incoming = null;
        }
    }

    /** What the saving stream has sent so far, or the last one sent before it was dropped (tests, bench). */
    public synchronized Progress progress() {
        return saving == null ? last : progressOf(saving);
    }

    private static Progress progressOf(SavingStream s) {
        return new Progress(
                s.streamBytes(), s.memoryBytes(), s.memoryRecords(), s.rescanned(), s.unchanged(), s.complete());
    }

    /**
     * How far a saving stream got.
     *
     * @param streamBytes   bytes read so far
     * @param memoryBytes   bytes of device memory sent so far (populated extents only)
     * @param memoryRecords memory chunks sent so far
     * @param rescanned     chunks sent before that the current pass read again
     * @param unchanged     of those, the ones it found unchanged and did not send
     * @param complete      the end record went out
     */
    public record Progress(
            long streamBytes, long memoryBytes, long memoryRecords, int rescanned, int unchanged, boolean complete) {}
}
