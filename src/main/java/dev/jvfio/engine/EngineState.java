package dev.jvfio.engine;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import dev.jvfio.devicestate.StateReader;
import dev.jvfio.devicestate.StateSection;
import dev.jvfio.devicestate.StateWriter;
import dev.jvfio.pci.VfioPciDevice;
import java.util.concurrent.TimeUnit;

/**
 * A copy engine's state section ("engine"; "engine-2" for a function's second engine): its
 * registers and the copy it was doing when the device stopped. {@link #stop} pauses the engine at
 * a chunk boundary, so a copy in flight is saved as where it got to, and continues on whichever
 * side runs next; its completion interrupt is raised by the side that finishes it, once.
 */
final class EngineState implements StateSection {
    /**
     * A copy that stopped at a chunk boundary: what it copies and how many bytes it has done.
     *
     * @param src    source address (client bus address or device offset, per ctrl)
     * @param dst    destination address
     * @param length bytes of the whole copy
     * @param ctrl   CTRL as it was rung
     * @param done   bytes copied already, a multiple of {@link CopyEngine#CHUNK} below length
     */
    record Suspended(long src, long dst, long length, int ctrl, long done) {}

    /** The engine's registers and its suspended copy (or null). */
    record Registers(
            long src,
            long dst,
            int len,
            int ctrl,
            int status,
            int done,
            int errors,
            long fault,
            boolean intxRaised,
            Suspended suspended) {}

    private final CopyEngine engine;
    private final String name;

    EngineState(CopyEngine engine, String name) {
        this.engine = engine;
        this.name = name;
    }

    /** "engine", or "engine-N" when the function has that one already. */
    static String freeName(VfioPciDevice device) {
        var taken = device.stateSections().stream().map(StateSection::name).toList();
        String name = "engine";
        for (int n = 2; taken.contains(name); n++) {
            name = "engine-" + n;
        }
        return name;
    }

    @Override
    public String name() {
        return name;
    }

    /** How long STOP waits for the chunk in flight (8 MiB: milliseconds, unless it waits for a reply). */
    static final long PAUSE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    @Override
    public void stop() throws VfioException {
        if (!engine.pause.pause(PAUSE_LIMIT_NANOS)) {
            throw new VfioException(
                    Errno.EBUSY,
                    "copy engine: the chunk in flight did not finish; it reaches client"
                            + " memory by DMA messages, which wait for this reply (map guest memory with an fd to migrate)");
        }
    }

    @Override
    public void run() {
        engine.pause.resume();
    }

    @Override
    public void save(StateWriter out) {
        Registers r = engine.registers();
        out.putLong(engine.memory().byteSize());
        out.putLong(r.src())
                .putLong(r.dst())
                .putInt(r.len())
                .putInt(r.ctrl())
                .putInt(r.status())
                .putInt(r.done())
                .putInt(r.errors())
                .putLong(r.fault())
                .putBoolean(r.intxRaised());
        Suspended s = r.suspended();
        out.putBoolean(s != null);
        if (s != null) {
            out.putLong(s.src())
                    .putLong(s.dst())
                    .putLong(s.length())
                    .putInt(s.ctrl())
                    .putLong(s.done());
        }
    }

    @Override
    public Staged load(StateReader in) throws VfioException {
        long memory = in.getLong();
        in.require(
                memory == engine.memory().byteSize(),
                "is from an engine over " + memory + " bytes of device memory, not "
                        + engine.memory().byteSize());
        Registers r = new Registers(
                in.getLong(),
                in.getLong(),
                in.getInt(),
                in.getInt(),
                in.getInt(),
                in.getInt(),
                in.getInt(),
                in.getLong(),
                in.getBoolean(),
                null);
        Suspended s = null;
        if (in.getBoolean()) {
            s = new Suspended(in.getLong(), in.getLong(), in.getLong(), in.getInt(), in.getLong());
            in.require(
                    s.length() > 0
                            && s.length() <= CopyEngine.MAX_LENGTH
                            && s.done() >= 0
                            && s.done() < s.length()
                            && s.done() % CopyEngine.CHUNK == 0,
                    "holds a copy of " + s.length() + " bytes stopped at " + s.done());
            boolean srcDevice = (s.ctrl() & CopyEngine.CTRL_SRC_DEVICE) != 0;
            boolean dstDevice = (s.ctrl() & CopyEngine.CTRL_DST_DEVICE) != 0;
            in.require(
                    (!srcDevice || engine.fits(s.src(), s.length()))
                            && (!dstDevice || engine.fits(s.dst(), s.length())),
                    "holds a copy outside device memory");
        }
        in.require(
                (r.status() == CopyEngine.STATUS_BUSY) == (s != null),
                "has status " + r.status() + (s == null ? " without" : " with") + " a copy in progress");
        in.end();
        Registers restored = new Registers(
                r.src(), r.dst(), r.len(), r.ctrl(), r.status(), r.done(), r.errors(), r.fault(), r.intxRaised(), s);
        return () -> engine.restore(restored);
    }
}
