package dev.jvfio.engine;

import static dev.jvfio.engine.CopyEngine.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.DmaFault;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.pci.TestFunction;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The engine's states (docs/dma-engine.md) with a client memory the test controls: each DmaSpace call
 * waits for a permit, so the engine can be held BUSY in the middle of a copy.
 */
class CopyEngineTest {
    /** Client memory that hands out one call per permit and records calls after a "stop" mark. */
    static final class GatedDma implements DmaSpace {
        final Semaphore permits = new Semaphore(0);
        final CountDownLatch firstCall = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();
        final AtomicBoolean stopped = new AtomicBoolean();
        final AtomicInteger callsAfterStop = new AtomicInteger();
        /** Signals handed to {@link #afterReply} before the doorbell's reply went out; guarded by this. */
        private final List<Runnable> waitingForReply = new ArrayList<>();

        private boolean replySent;

        @Override
        public void read(long iova, MemorySegment dst) throws DmaFault {
            call();
            dst.fill((byte) 0x5A);
        }

        @Override
        public void write(long iova, MemorySegment src) throws DmaFault {
            call();
        }

        /** As a server does: the signal runs once the request being served is answered. */
        @Override
        public synchronized void afterReply(Runnable signal) {
            if (replySent) {
                signal.run();
            } else {
                waitingForReply.add(signal);
            }
        }

        /** The doorbell's reply went out: from now on device work starts at once. */
        synchronized void sendReply() {
            replySent = true;
            waitingForReply.forEach(Runnable::run);
            waitingForReply.clear();
        }

        private void call() {
            if (stopped.get()) {
                callsAfterStop.incrementAndGet();
            }
            calls.incrementAndGet();
            firstCall.countDown();
            permits.acquireUninterruptibly();
        }
    }

    VfioPciDevice device;
    Arena arena;
    MemorySegment memory;
    CopyEngine engine;
    GatedDma dma;

    // Error Prone wants Arena.ofShared() in a try-with-resources; the arena lives for the fixture and
    // tearDown() closes it.
    @BeforeEach
    @SuppressWarnings("MustBeClosedChecker")
    void setUp() throws Exception {
        device = TestFunction.build();
        arena = Arena.ofShared();
        memory = arena.allocate(5 * CHUNK); // room for the multi-chunk copies below
        engine = CopyEngine.of(device, memory);
        dma = new GatedDma();
        device.attach(dma);
        TestFunction.cfgWrite(device, PciHeader.COMMAND, 2, PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER);
    }

    @AfterEach
    void tearDown() {
        dma.permits.release(1000);
        dma.sendReply();
        device.close();
        arena.close();
    }

    void program(long src, long dst, long len, int ctrl) {
        engine.write32(SRC_LO, (int) src);
        engine.write32(SRC_HI, (int) (src >>> 32));
        engine.write32(DST_LO, (int) dst);
        engine.write32(DST_HI, (int) (dst >>> 32));
        engine.write32(LEN, (int) len);
        engine.write32(CTRL, ctrl);
    }

    int awaitNotBusy() throws InterruptedException {
        for (int i = 0; i < 30_000 && engine.read32(STATUS) == STATUS_BUSY; i++) {
            Thread.sleep(1);
        }
        return engine.read32(STATUS);
    }

    @Test
    @DisplayName("DMA-2.3 VU-8.5: the copy starts only once the doorbell's reply is sent; meanwhile the engine is BUSY")
    void waitsForReply() throws Exception {
        program(0x1000, 0, 4096, CTRL_DST_DEVICE);
        engine.write32(DOORBELL, 1);
        assertThat(engine.read32(STATUS)).isEqualTo(STATUS_BUSY);
        assertThat(dma.firstCall.await(50, TimeUnit.MILLISECONDS))
                .as("no memory access before the reply")
                .isFalse();
        dma.sendReply();
        dma.permits.release(1);
        assertThat(awaitNotBusy()).isEqualTo(STATUS_DONE);
        assertThat(memory.get(ValueLayout.JAVA_BYTE, 4095)).isEqualTo((byte) 0x5A);
    }

    @Test
    @DisplayName("DMA-1.2 while BUSY a doorbell is ignored, a STATUS write is ignored, other registers stay accessible")
    void busy() throws Exception {
        dma.sendReply();
        program(0x1000, 0, 3 * CHUNK, CTRL_DST_DEVICE);
        engine.write32(DOORBELL, 1);
        assertThat(dma.firstCall.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(engine.read32(STATUS)).isEqualTo(STATUS_BUSY);
        engine.write32(STATUS, 0);
        assertThat(engine.read32(STATUS)).isEqualTo(STATUS_BUSY);
        program(0x9000, 0x100, 8, CTRL_DST_DEVICE); // registers change, the copy in flight does not
        engine.write32(DOORBELL, 1);
        assertThat(engine.read32(LEN)).isEqualTo(8);
        dma.permits.release(3);
        assertThat(awaitNotBusy()).isEqualTo(STATUS_DONE);
        assertThat(dma.calls.get())
                .as("three chunks of the first copy, none of the ignored one")
                .isEqualTo(3);
        assertThat(engine.read32(DONE)).isEqualTo(1);
    }

    @Test
    @DisplayName("DMA-5.1 a reset during a copy stops it after the chunk in flight and clears every register")
    void resetStops() throws Exception {
        dma.sendReply();
        program(0x1000, 0, 4 * CHUNK, CTRL_DST_DEVICE | CTRL_INTERRUPT);
        engine.write32(DOORBELL, 1);
        assertThat(dma.firstCall.await(30, TimeUnit.SECONDS)).isTrue();
        Thread reset = Thread.ofPlatform().start(() -> {
            try {
                device.reset();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        // the reset cleared the registers (and stopped the engine) before it waits for the chunk in flight
        for (int i = 0; i < 30_000 && engine.read32(LEN) != 0; i++) {
            Thread.sleep(1);
        }
        dma.permits.release(2); // the chunk in flight (and one that began before the reset) may finish
        reset.join();
        dma.stopped.set(true);
        for (int reg = 0; reg < BLOCK_SIZE; reg += 4) {
            assertThat(engine.read32(reg)).as("register 0x%x", reg).isZero();
        }
        dma.permits.release(10);
        // a new copy runs to its end; the stopped one never touched memory after the reset returned
        TestFunction.cfgWrite(device, PciHeader.COMMAND, 2, PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER);
        program(0x1000, 0, 16, CTRL_DST_DEVICE);
        engine.write32(DOORBELL, 1);
        assertThat(awaitNotBusy()).isEqualTo(STATUS_DONE);
        assertThat(dma.callsAfterStop.get()).as("only the new copy's chunk").isEqualTo(1);
        assertThat(engine.read32(DONE)).isEqualTo(1);
    }

    @Test
    @DisplayName("DMA-3.2 Bus Master cleared in the middle of a copy stops it with 0x82 at the next chunk")
    void busMasterClearedMidCopy() throws Exception {
        dma.sendReply();
        program(0x1000, 0, 3 * CHUNK, CTRL_DST_DEVICE);
        engine.write32(DOORBELL, 1);
        assertThat(dma.firstCall.await(30, TimeUnit.SECONDS)).isTrue();
        TestFunction.cfgWrite(device, PciHeader.COMMAND, 2, PciHeader.COMMAND_MEMORY);
        dma.permits.release(10);
        assertThat(awaitNotBusy()).isEqualTo(STATUS_BUS_MASTER_OFF);
        assertThat(dma.calls.get()).isEqualTo(1);
        assertThat(Long.toHexString(engine.read32(FAULT_LO))).isEqualTo(Long.toHexString(0x1000 + CHUNK));
    }

    @Test
    @DisplayName(
            "DMA-2.6 a copy keeps to the memory of the client that rang; the next client's memory is never touched")
    void detachedClient() throws Exception {
        dma.sendReply();
        program(0x1000, 0, 2 * CHUNK, CTRL_DST_DEVICE);
        engine.write32(DOORBELL, 1);
        assertThat(dma.firstCall.await(30, TimeUnit.SECONDS)).isTrue();
        device.detach();
        GatedDma next = new GatedDma();
        device.attach(next);
        dma.stopped.set(true);
        dma.permits.release(10);
        assertThat(awaitNotBusy()).as("the old client's DmaSpace decides").isEqualTo(STATUS_DONE);
        assertThat(next.calls.get()).isZero();
    }
}
