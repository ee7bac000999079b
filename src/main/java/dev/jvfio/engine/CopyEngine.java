package dev.jvfio.engine;

import dev.jvfio.device.DmaFault;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.pci.ResetKind;
import dev.jvfio.pci.ResetListener;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A simple DMA copy engine (registers and the DMA-* behaviours in {@code docs/dma-engine.md}): one block of
 * {@link #BLOCK_SIZE} bytes of little-endian 32-bit registers that moves up to 256 MiB between
 * client memory (bus addresses, reached through the function's {@link DmaSpace}) and the device's
 * own memory, then counts, reports a status and optionally raises an interrupt. A simulation
 * convenience, not any real GPU's channel model.
 *
 * <p>Threading: register accesses come from the session thread and take this object's monitor
 * briefly; a doorbell checks the request at once (bad LEN, device range, Bus Master) and hands the
 * copy to a {@link CopyRun} on the engine's {@link CopyWorker} thread, signalled once the doorbell's
 * reply is sent, which moves {@link #CHUNK} bytes per {@link DmaSpace} call. The monitor is never held while bytes
 * move, so STATUS can be polled during a copy. A reset stops the copy between chunks and returns
 * only once no chunk is moving bytes.
 */
public final class CopyEngine implements ResetListener {
    public static final int BLOCK_SIZE = 0x40;
    public static final int SRC_LO = 0x00;
    public static final int SRC_HI = 0x04;
    public static final int DST_LO = 0x08;
    public static final int DST_HI = 0x0C;
    public static final int LEN = 0x10;
    public static final int CTRL = 0x14;
    public static final int DOORBELL = 0x18;
    public static final int STATUS = 0x1C;
    public static final int DONE = 0x20;
    public static final int ERRORS = 0x24;
    public static final int FAULT_LO = 0x28;
    public static final int FAULT_HI = 0x2C;

    public static final int CTRL_SRC_DEVICE = 1;
    public static final int CTRL_DST_DEVICE = 1 << 1;
    public static final int CTRL_INTERRUPT = 1 << 8;
    public static final int CTRL_VECTOR_SHIFT = 16;

    public static final int STATUS_IDLE = 0;
    public static final int STATUS_BUSY = 1;
    public static final int STATUS_DONE = 2;
    public static final int STATUS_NOT_MAPPED = 0x81;
    public static final int STATUS_BUS_MASTER_OFF = 0x82;
    public static final int STATUS_DEVICE_RANGE = 0x83;
    public static final int STATUS_BAD_LENGTH = 0x84;
    public static final int STATUS_NOT_WRITABLE = 0x85;
    /** Device memory itself could not be read or written: its backing file shrank, or its file system is full. */
    public static final int STATUS_DEVICE_FAULT = 0x86;

    public static final long MAX_LENGTH = 256L << 20;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /**
     * Bytes per DmaSpace call: what a DMA_UNMAP or a reset waits for at most (about 0.4 ms at
     * 20 GB/s). Not smaller: on the bench VM (AMD EPYC, JDK 25) copying 64 MiB in 1 or 2 MiB calls
     * of {@code MemorySegment.copy} ran ~15% slower than in one call, 4 MiB and more as fast.
     */
    public static final long CHUNK = 8L << 20;
    /** The name of each engine's worker thread (benchmarks find it in {@code /proc/PID/task}). */
    public static final String WORKER_THREAD = "copy-engine";

    private final VfioPciDevice device;
    private final MemorySegment memory;
    /** Held while a chunk moves bytes; a reset takes it to wait for the chunk in flight. */
    final ReentrantLock moving = new ReentrantLock();

    private final CopyWorker worker = new CopyWorker(WORKER_THREAD);
    /** Migration STOP and RUNNING: holds copies at a chunk boundary; guarded by this engine's monitor. */
    final EnginePause pause = new EnginePause(this);
    /** The staging buffer of client-to-client copies, made by the first one; touched only by the worker. */
    private MemorySegment bounce;

    // Registers and engine state, guarded by this.
    private long src;
    private long dst;
    private int len;
    private int ctrl;
    private int status;
    private int done;
    private int errors;
    private long fault;
    /** Bumped by every reset: a copy of an older generation stops and reports nothing. */
    private int generation;

    private boolean intxRaised;
    /** A device-memory fault is logged once per engine; later ones only count in ERRORS. */
    private final AtomicBoolean deviceFaultLogged = new AtomicBoolean();

    private static final System.Logger LOG = System.getLogger(CopyEngine.class.getName());

    private CopyEngine(VfioPciDevice device, MemorySegment memory) {
        this.device = device;
        this.memory = memory;
    }

    /**
     * An engine of {@code device} whose device memory is {@code memory} (offsets 0 ... size-1);
     * it listens for the device's resets (FLR, DEVICE_RESET, PM reset), which stop it and clear it.
     */
    public static CopyEngine of(VfioPciDevice device, MemorySegment memory) {
        CopyEngine e = new CopyEngine(device, memory);
        device.addResetListener(e);
        device.addCounters("copy-engine", e::counters);
        device.addStateSection(new EngineState(e, EngineState.freeName(device)));
        return e;
    }

    /** DONE, ERRORS and STATUS as the device's status shows them ({@code jvfio ctl status}). */
    synchronized Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("done", Integer.toUnsignedLong(done));
        m.put("errors", Integer.toUnsignedLong(errors));
        m.put("status", (long) status);
        return m;
    }

    CopyWorker worker() {
        return worker;
    }

    /**
     * One {@link #CHUNK} of native memory for copies whose source and destination are both client
     * memory, allocated by the first such copy and kept (freed with the engine). Not an arena per
     * copy: closing a shared arena is a handshake with every JVM thread, which on the bench VM woke
     * the VM thread and added a few hundred microseconds to each copy. Called only from
     * the worker, one copy at a time.
     */
    MemorySegment bounce() {
        if (bounce == null) {
            bounce = Arena.ofAuto().allocate(CHUNK, 64); // shared: message DMA fills it from the session thread
        }
        return bounce;
    }

    /** The device memory the engine copies to and from. */
    public MemorySegment memory() {
        return memory;
    }

    // ================================================================ register access

    /** The 32-bit register at a block offset (the containing register for an unaligned one). */
    public synchronized int read32(int offset) {
        return switch (offset & ~3) {
            case SRC_LO -> (int) src;
            case SRC_HI -> (int) (src >>> 32);
            case DST_LO -> (int) dst;
            case DST_HI -> (int) (dst >>> 32);
            case LEN -> len;
            case CTRL -> ctrl;
            case STATUS -> status;
            case DONE -> done;
            case ERRORS -> errors;
            case FAULT_LO -> (int) fault;
            case FAULT_HI -> (int) (fault >>> 32);
            default -> 0; // DOORBELL and the reserved words read 0
        };
    }

    /** Writes the 32-bit register at an aligned block offset. */
    public void write32(int offset, int value) {
        boolean lowerIntx = false;
        CopyRun run = null;
        boolean failedWithIrq = false;
        int irqCtrl;
        synchronized (this) {
            switch (offset) {
                case SRC_LO -> src = src & 0xFFFF_FFFF_0000_0000L | Integer.toUnsignedLong(value);
                case SRC_HI -> src = src & 0xFFFF_FFFFL | (long) value << 32;
                case DST_LO -> dst = dst & 0xFFFF_FFFF_0000_0000L | Integer.toUnsignedLong(value);
                case DST_HI -> dst = dst & 0xFFFF_FFFFL | (long) value << 32;
                case LEN -> len = value;
                case CTRL -> ctrl = value;
                case DOORBELL -> {
                    if ((value & 1) != 0 && status != STATUS_BUSY) {
                        run = ring();
                        failedWithIrq = run == null && (ctrl & CTRL_INTERRUPT) != 0;
                        if (run != null) {
                            run = pause.admit(run); // null while paused: it starts when the device runs again
                        }
                    }
                }
                case STATUS -> {
                    if (status != STATUS_BUSY) {
                        status = STATUS_IDLE;
                        lowerIntx = intxRaised;
                        intxRaised = false;
                    }
                }
                default -> {} // DONE, ERRORS, FAULT and reserved words are read-only
            }
            irqCtrl = ctrl;
        }
        if (lowerIntx) {
            device.lowerIntx(); // INTx is a level: software acknowledges a completion by writing STATUS
        }
        if (run != null) {
            run.start();
        }
        if (failedWithIrq) {
            interrupt(irqCtrl);
        }
    }

    /**
     * Writes the block from {@code offset}: whole aligned dwords, in address order (so one 8-byte
     * write sets a LO/HI pair, one 24-byte write programs SRC to CTRL). Other writes are dropped.
     */
    public int write(long offset, MemorySegment src) {
        long n = src.byteSize();
        if ((offset & 3) == 0 && (n & 3) == 0 && offset >= 0 && offset + n <= BLOCK_SIZE) {
            for (long i = 0; i < n; i += 4) {
                write32((int) (offset + i), src.get(LE32, i));
            }
        }
        return (int) n;
    }

    // ================================================================ doorbell and completion

    /** Checks the programmed copy; starts it (BUSY) or fails it at once. Under the monitor. */
    private CopyRun ring() {
        long length = Integer.toUnsignedLong(len);
        boolean srcDevice = (ctrl & CTRL_SRC_DEVICE) != 0;
        boolean dstDevice = (ctrl & CTRL_DST_DEVICE) != 0;
        if (length == 0 || length > MAX_LENGTH) {
            return failNow(STATUS_BAD_LENGTH, 0);
        }
        if (srcDevice && !fits(src, length)) {
            return failNow(STATUS_DEVICE_RANGE, src);
        }
        if (dstDevice && !fits(dst, length)) {
            return failNow(STATUS_DEVICE_RANGE, dst);
        }
        if ((!srcDevice || !dstDevice) && !device.busMasterEnabled()) {
            return failNow(STATUS_BUS_MASTER_OFF, 0); // no memory touched
        }
        status = STATUS_BUSY;
        return new CopyRun(this, device.dma(), generation, src, dst, length, ctrl, 0);
    }

    boolean fits(long offset, long length) {
        long size = memory.byteSize();
        return Long.compareUnsigned(offset, size) <= 0 && length <= size - offset;
    }

    /** A copy that fails before it starts still completes: status, ERRORS, FAULT (and, by the caller, its interrupt). */
    private CopyRun failNow(int error, long at) {
        status = error;
        errors++;
        fault = at;
        device.events().copyFailed();
        return null;
    }

    /** A copy of the current generation through the function's DMA space now, from {@code done} bytes on. */
    synchronized CopyRun runFrom(EngineState.Suspended s) {
        return new CopyRun(this, device.dma(), generation, s.src(), s.dst(), s.length(), s.ctrl(), s.done());
    }

    /** Whether a copy of generation {@code g} may still move bytes (no reset since it started). */
    synchronized boolean current(int g) {
        return generation == g;
    }

    /** The registers and any suspended copy, as a migration saves them (the engine is paused). */
    synchronized EngineState.Registers registers() {
        return new EngineState.Registers(
                src, dst, len, ctrl, status, done, errors, fault, intxRaised, pause.suspended());
    }

    /** Restores migrated registers; any copy of this engine's own is forgotten. */
    synchronized void restore(EngineState.Registers r) {
        generation++;
        src = r.src();
        dst = r.dst();
        len = r.len();
        ctrl = r.ctrl();
        status = r.status();
        done = r.done();
        errors = r.errors();
        fault = r.fault();
        intxRaised = r.intxRaised();
        pause.restore(r.suspended());
    }

    /** The copy of generation {@code g} ended with {@code result}; ignored if a reset came first. */
    void finish(int g, int result, long faultAddress, int runCtrl, long length) {
        synchronized (this) {
            if (generation != g) {
                return;
            }
            status = result;
            if (result == STATUS_DONE) {
                done++;
            } else {
                errors++;
                fault = faultAddress;
            }
        }
        if (result == STATUS_DONE) {
            device.events().copied(length);
        } else {
            device.events().copyFailed();
        }
        if ((runCtrl & CTRL_INTERRUPT) != 0) {
            interrupt(runCtrl);
        }
    }

    /** Raises the completion interrupt: MSI-X or MSI vector from CTRL, else INTx (masks respected). */
    private void interrupt(int runCtrl) {
        int vector = (runCtrl >>> CTRL_VECTOR_SHIFT) & 0xFF;
        device.raiseInterrupt(vector);
        boolean intx = device.intxAsserted();
        synchronized (this) {
            intxRaised |= intx;
        }
    }

    static int statusOf(DmaFault f) {
        return f.kind() == DmaFault.Kind.NOT_WRITABLE ? STATUS_NOT_WRITABLE : STATUS_NOT_MAPPED;
    }

    /** The first device-memory fault of this engine goes to the log (the host's problem, not the guest's). */
    void deviceMemoryFaulted(long offset) {
        if (deviceFaultLogged.compareAndSet(false, true)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    device.name() + ": copy engine: device memory at offset 0x" + Long.toHexString(offset)
                            + " cannot be read or written (its backing file shrank, or the file system holding it is full);"
                            + " copies end with STATUS 0x86; further such faults are counted in ERRORS only");
        }
    }

    boolean busMasterEnabled() {
        return device.busMasterEnabled();
    }

    /**
     * Before each chunk: waits out a stall of the function (PCI-11.4), then says whether it may move
     * bytes (not off the bus nor waiting for a reset, PCI-11.2, PCI-11.3): a copy that may not stops
     * where it is, reporting nothing, as a GPU that fell off the bus does.
     */
    boolean awaitDmaAllowed() {
        device.health().awaitAnswering();
        return device.health().dmaAllowed();
    }

    /** FLR, DEVICE_RESET, PM reset: stop the copy (after the chunk in flight) and clear every register. */
    @Override
    public void onReset(ResetKind kind) {
        synchronized (this) {
            generation++;
            src = 0;
            dst = 0;
            len = 0;
            ctrl = 0;
            status = STATUS_IDLE;
            done = 0;
            errors = 0;
            fault = 0;
            intxRaised = false; // the PCI core deasserted INTx itself
            pause.forget();
        }
        moving.lock(); // the chunk in flight, if any, has finished; later ones see the new generation
        moving.unlock();
    }
}
