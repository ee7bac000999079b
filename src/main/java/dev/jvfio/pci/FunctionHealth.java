package dev.jvfio.pci;

import dev.jvfio.device.Errno;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * Whether a function answers as a healthy one does (docs/faults.md, PCI-11.x): off the bus it reads
 * all ones in config space, fails BAR access and does no DMA; back on the bus it keeps failing BAR
 * access and DMA until a reset; while stalled, trapped BAR accesses and DMA wait until the stall
 * ends. Variants that serve regions themselves (nvgrace) ask it first, as the core does.
 *
 * <p>Thread-safe (volatile state); {@link #awaitAnswering()} is called outside every device lock.
 */
public final class FunctionHealth {
    /** The longest stall: a guarded bound, beyond any VMM's message timeout (QEMU: 5 s). */
    public static final Duration MAX_STALL = Duration.ofSeconds(60);

    private volatile boolean offBus;
    private volatile boolean needsReset;
    private volatile long stallEnd;
    private volatile boolean stalled;

    FunctionHealth() {}

    /** Off the bus: nothing answers but the all-ones of a master abort (PCI-11.2). */
    public boolean offBus() {
        return offBus;
    }

    /** Back from the bus but not yet reset: BARs and DMA still fail (PCI-11.3). */
    public boolean needsReset() {
        return needsReset;
    }

    /** Whether the function may move bytes by DMA now (not off the bus, not waiting for a reset). */
    public boolean dmaAllowed() {
        return !offBus && !needsReset;
    }

    /**
     * Before a trapped read of {@code region}: true when the function answered it here (off the bus,
     * a config read gets all ones in {@code dst}); EIO for a BAR or ROM read off the bus or before
     * the reset that follows; waits out a stall for a BAR read. False: serve it as usual.
     */
    public boolean interceptRead(int region, MemorySegment dst) throws VfioException {
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            if (offBus) {
                dst.fill((byte) 0xFF);
                return true;
            }
            return false;
        }
        beforeBarAccess(region);
        return false;
    }

    /**
     * Before a trapped write of {@code region}: true when it is dropped (config space off the bus);
     * EIO and stalls as for reads. False: serve it as usual.
     */
    public boolean interceptWrite(int region) throws VfioException {
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            return offBus;
        }
        beforeBarAccess(region);
        return false;
    }

    /**
     * Before a trapped access of a BAR (or the ROM): EIO off the bus or before the reset that follows;
     * waits out a stall (a BAR, not the ROM).
     */
    public void beforeBarAccess(int region) throws VfioException {
        if (offBus) {
            throw new VfioException(Errno.EIO, "the device is off the bus");
        }
        if (needsReset) {
            throw new VfioException(Errno.EIO, "the device came back on the bus and needs a reset");
        }
        if (region <= Vfio.PCI_BAR5_REGION_INDEX) {
            awaitAnswering();
        }
    }

    /** Waits until a stall ends or is recovered from (at most {@link #MAX_STALL}); at once when none. */
    public void awaitAnswering() {
        if (!stalled) {
            return;
        }
        synchronized (this) {
            while (stalled) {
                long left = stallEnd - System.nanoTime();
                if (left <= 0) {
                    stalled = false;
                    return;
                }
                try {
                    wait(Math.max(1, Math.min(left, MAX_STALL.toNanos()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Milliseconds of stall left, 0 when none. */
    public long stallLeftMillis() {
        long left = stalled ? stallEnd - System.nanoTime() : 0;
        return Math.max(0, left / 1_000_000);
    }

    void fallOffBus() {
        offBus = true;
    }

    synchronized void stall(Duration d) {
        stallEnd = System.nanoTime() + d.toNanos();
        stalled = true;
    }

    /** Ends what recovery ends: the link comes back (reset still needed), the stall ends. */
    String recover() {
        StringBuilder sb = new StringBuilder();
        if (offBus) {
            offBus = false;
            needsReset = true;
            sb.append("back on the bus; needs a reset (FLR or DEVICE_RESET) before BARs and DMA work");
        }
        if (stalled) {
            synchronized (this) {
                stalled = false;
                notifyAll();
            }
            sb.append(sb.isEmpty() ? "" : "; ").append("stall ended");
        }
        return sb.toString();
    }

    /** A reset of the function: one that reaches it (not off the bus) clears the need for it. */
    void reset() {
        if (!offBus) {
            needsReset = false;
        }
    }

    /** "ok" or what is wrong. */
    String describe() {
        if (offBus) {
            return "off the bus";
        }
        StringBuilder sb = new StringBuilder();
        if (needsReset) {
            sb.append("needs a reset after falling off the bus");
        }
        long stall = stallLeftMillis();
        if (stall > 0) {
            sb.append(sb.isEmpty() ? "" : "; ")
                    .append("stalled for ")
                    .append(stall)
                    .append(" ms more");
        }
        return sb.isEmpty() ? "ok" : sb.toString();
    }
}
