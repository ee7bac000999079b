package dev.jvfio.engine;

import dev.jvfio.device.DmaFault;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;

/**
 * One copy of a {@link CopyEngine}, on the engine's {@link CopyWorker}, which its {@link DmaSpace}
 * wakes once the doorbell's reply is sent (VU-8.5, {@link DmaSpace#afterReply}): moves
 * {@link CopyEngine#CHUNK} bytes per step between client memory (through the
 * {@link DmaSpace} of the client that rang) and device memory, checking before each step that no
 * reset came and Bus Master is still on. Client memory is copied straight into or out of device
 * memory (zero copy for fd-backed windows); a client-to-client copy goes through a bounce buffer.
 */
final class CopyRun {
    private final CopyEngine engine;
    private final DmaSpace dma;
    private final int generation;
    private final long src;
    private final long dst;
    private final long length;
    private final int ctrl;
    /** Bytes done before this run: 0, or where a paused copy stopped. */
    private final long from;

    CopyRun(CopyEngine engine, DmaSpace dma, int generation, long src, long dst, long length, int ctrl, long from) {
        this.engine = engine;
        this.dma = dma;
        this.generation = generation;
        this.src = src;
        this.dst = dst;
        this.length = length;
        this.ctrl = ctrl;
        this.from = from;
    }

    long src() {
        return src;
    }

    long dst() {
        return dst;
    }

    long length() {
        return length;
    }

    int ctrl() {
        return ctrl;
    }

    void start() {
        dma.afterReply(() -> engine.worker().submit(this::runAndEnd));
    }

    private void runAndEnd() {
        try {
            run();
        } finally {
            engine.pause.ended(this);
        }
    }

    private void run() {
        boolean srcDevice = (ctrl & CopyEngine.CTRL_SRC_DEVICE) != 0;
        boolean dstDevice = (ctrl & CopyEngine.CTRL_DST_DEVICE) != 0;
        MemorySegment memory = engine.memory();
        MemorySegment bounce = srcDevice || dstDevice ? null : engine.bounce();
        for (long off = from; off < length; off += CopyEngine.CHUNK) {
            long n = Math.min(CopyEngine.CHUNK, length - off);
            if (!engine.awaitDmaAllowed()) {
                return; // the function fell off the bus: the copy never completes (DMA-6.1)
            }
            engine.moving.lock();
            try {
                if (!engine.current(generation)) {
                    return; // a reset stopped the engine
                }
                if (engine.pause.suspendIfPaused(this, off)) {
                    return; // a migration stopped the device: continued by resume()
                }
                if (!(srcDevice && dstDevice) && !engine.busMasterEnabled()) {
                    engine.finish(
                            generation,
                            CopyEngine.STATUS_BUS_MASTER_OFF,
                            srcDevice ? dst + off : src + off,
                            ctrl,
                            length);
                    return;
                }
                if (srcDevice && dstDevice) {
                    MemorySegment.copy(memory, src + off, memory, dst + off, n);
                } else if (dstDevice) {
                    dma.read(src + off, memory.asSlice(dst + off, n));
                } else if (srcDevice) {
                    dma.write(dst + off, memory.asSlice(src + off, n));
                } else {
                    MemorySegment b = bounce.asSlice(0, n);
                    dma.read(src + off, b);
                    dma.write(dst + off, b);
                }
            } catch (DmaFault f) {
                if (!deviceFault(off, n)) engine.finish(generation, CopyEngine.statusOf(f), f.address(), ctrl, length);
                return;
            } catch (VfioException e) {
                if (!deviceFault(off, n)) {
                    engine.finish(
                            generation, CopyEngine.STATUS_NOT_MAPPED, srcDevice ? dst + off : src + off, ctrl, length);
                }
                return;
            } catch (InternalError | RuntimeException e) {
                if (!deviceFault(off, n)) {
                    // bounds moved under us
                    engine.finish(
                            generation,
                            CopyEngine.STATUS_DEVICE_RANGE,
                            srcDevice ? src + off : dst + off,
                            ctrl,
                            length);
                }
                return;
            } finally {
                engine.moving.unlock();
            }
        }
        engine.finish(generation, CopyEngine.STATUS_DONE, 0, ctrl, length);
    }

    /**
     * After a failed chunk: was it device memory that faulted? A guest-memory fault and a fault of
     * the device's own memory (its backing file shrank, or the file system holding it is full and a
     * page cannot be allocated) look alike to the copy, which reports the guest address of whatever
     * it was moving; so each page of the chunk's device range is touched again, as the copy would
     * have (read from a source, read and written back in a destination). If one faults, the copy ends
     * with {@link CopyEngine#STATUS_DEVICE_FAULT} at its offset, and true is returned.
     */
    private boolean deviceFault(long off, long n) {
        boolean srcDevice = (ctrl & CopyEngine.CTRL_SRC_DEVICE) != 0;
        boolean dstDevice = (ctrl & CopyEngine.CTRL_DST_DEVICE) != 0;
        long at = -1;
        if (srcDevice) at = DevicePages.firstFault(engine.memory(), src + off, n, false);
        if (at < 0 && dstDevice) at = DevicePages.firstFault(engine.memory(), dst + off, n, true);
        if (at < 0) return false;
        engine.finish(generation, CopyEngine.STATUS_DEVICE_FAULT, at, ctrl, length);
        engine.deviceMemoryFaulted(at);
        return true;
    }
}
