package dev.jvfio.engine;

import static dev.jvfio.engine.CopyEngine.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.MigrationState;
import dev.jvfio.device.Vfio;
import dev.jvfio.devicestate.Migrate;
import dev.jvfio.os.EventFd;
import dev.jvfio.pci.BarBacking;
import dev.jvfio.pci.Capability;
import dev.jvfio.pci.PciBar;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.pci.RamBacking;
import dev.jvfio.pci.TestFunction;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * MIG-1.7: a copy in flight when the device stops, on a migratable function with a copy engine over
 * a memfd: it stops at a chunk boundary, continues on the destination, and its completion interrupt
 * fires once, there.
 */
class EngineMigrationTest {
    static final int VECTOR = 2;
    static final long IOVA = 0x10_0000;

    /** Client memory (guest RAM) of one side, each DmaSpace call waiting for a permit. */
    static final class ClientRam implements DmaSpace {
        final MemorySegment ram;
        final Semaphore permits = new Semaphore(0);
        final AtomicInteger calls = new AtomicInteger();
        final List<Long> offsets = new CopyOnWriteArrayList<>();

        ClientRam(MemorySegment ram) {
            this.ram = ram;
        }

        @Override
        public void read(long iova, MemorySegment dst) {
            calls.incrementAndGet();
            offsets.add(iova - IOVA);
            permits.acquireUninterruptibly();
            MemorySegment.copy(ram, iova - IOVA, dst, 0, dst.byteSize());
        }

        @Override
        public void write(long iova, MemorySegment src) {
            calls.incrementAndGet();
            permits.acquireUninterruptibly();
            MemorySegment.copy(src, 0, ram, iova - IOVA, src.byteSize());
        }
    }

    /** One side: a function with MSI-X, a copy engine over 5 chunks of memfd, a vector armed. */
    static final class Side implements AutoCloseable {
        final RamBacking memory;
        final VfioPciDevice device;
        final CopyEngine engine;
        final EventFd vector = EventFd.create();
        final ClientRam client;

        Side(MemorySegment guestRam) throws Exception {
            memory = RamBacking.memfd("engine-mig", 5 * CHUNK, 0);
            device = VfioPciDevice.builder("engine-mig")
                    .ids(0x1b36, 0x0011)
                    .classCode(0x120000)
                    .bar(PciBar.mem64(0, 0x10000, BarBacking.zeros()))
                    .capability(Capability.Msix.vectors(4).table(0, 0x8000).pba(0, 0x9000))
                    .capability(Capability.PciExpress.endpoint())
                    .migratable("engine-mig", memory.memoryImage())
                    .build();
            engine = CopyEngine.of(device, memory.segment());
            client = new ClientRam(guestRam);
            device.attach(client);
            TestFunction.cfgWrite(device, PciHeader.COMMAND, 2, PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER);
            int msix = TestFunction.cap(device, PciHeader.CAP_ID_MSIX);
            TestFunction.cfgWrite(device, msix + 2, 2, 0x8000);
            device.setIrqs(new IrqSet(
                    Vfio.PCI_MSIX_IRQ_INDEX,
                    Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER,
                    VECTOR,
                    1,
                    new byte[0],
                    List.of(vector.fd().duplicate())));
        }

        void ring(long length) {
            engine.write32(SRC_LO, (int) IOVA);
            engine.write32(SRC_HI, 0);
            engine.write32(DST_LO, 0);
            engine.write32(DST_HI, 0);
            engine.write32(LEN, (int) length);
            engine.write32(CTRL, CTRL_DST_DEVICE | CTRL_INTERRUPT | VECTOR << CTRL_VECTOR_SHIFT);
            engine.write32(DOORBELL, 1);
        }

        void awaitCalls(int n) throws InterruptedException {
            for (int i = 0; i < 30_000 && client.calls.get() < n; i++) {
                Thread.sleep(1);
            }
            assertThat(client.calls.get()).isEqualTo(n);
        }

        int awaitNotBusy() throws InterruptedException {
            for (int i = 0; i < 30_000 && engine.read32(STATUS) == STATUS_BUSY; i++) {
                Thread.sleep(1);
            }
            return engine.read32(STATUS);
        }

        /** Stops the device from another thread while the copy waits for one more permit, then lets it go. */
        void stopWhileChunkInFlight() throws Exception {
            Thread stopper = Thread.ofPlatform().start(() -> {
                try {
                    device.migration().transition(MigrationState.RUNNING, MigrationState.STOP);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            // the engine is paused once the stopper waits for the chunk in flight
            for (int i = 0; i < 30_000 && stopper.getState() != Thread.State.TIMED_WAITING; i++) {
                Thread.sleep(1);
            }
            client.permits.release(1);
            stopper.join();
        }

        @Override
        public void close() {
            client.permits.release(1000);
            device.close();
            memory.close();
            vector.close();
        }
    }

    private Arena arena = Arena.ofShared();

    @AfterEach
    void closeArena() {
        arena.close();
    }

    private MemorySegment guestRam(long size) {
        MemorySegment ram = arena.allocate(size, 4096);
        Random r = new Random(5);
        for (long i = 0; i < size; i += 8) {
            ram.set(ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong());
        }
        return ram;
    }

    @Test
    @DisplayName(
            "MIG-1.7 a copy stopped after 3 of 4 chunks does the 4th on the destination; its interrupt fires once, there")
    void mig1_7_copyContinuesOnDestination() throws Exception {
        MemorySegment ram = guestRam(4 * CHUNK);
        try (Side src = new Side(ram);
                Side dst = new Side(ram)) {
            src.ring(4 * CHUNK);
            src.client.permits.release(2);
            src.awaitCalls(3); // chunk 3 is moving
            src.stopWhileChunkInFlight();
            assertThat(src.engine.read32(STATUS)).isEqualTo(STATUS_BUSY);
            src.client.permits.release(10);
            assertThat(src.client.calls.get()).as("no chunk after STOP").isEqualTo(3);
            byte[] stream;
            src.device.migration().transition(MigrationState.STOP, MigrationState.STOP_COPY);
            stream = Migrate.readToEnd(src.device.migration(), Migrate.PIECE);
            src.device.migration().transition(MigrationState.STOP_COPY, MigrationState.STOP);

            dst.client.permits.release(100);
            Migrate.resume(dst.device.migration(), stream);
            assertThat(dst.awaitNotBusy()).isEqualTo(STATUS_DONE);
            assertThat(dst.client.offsets)
                    .as("the destination copies only the last chunk")
                    .containsExactly(3 * CHUNK);
            assertThat(dst.engine.read32(DONE)).isEqualTo(1);
            assertThat(dst.vector.take())
                    .as("completion interrupt on the destination")
                    .isEqualTo(1);
            assertThat(dst.vector.await(Duration.ZERO)).isFalse();
            assertThat(src.vector.await(Duration.ZERO)).as("none on the source").isFalse();
            assertThat(src.client.calls.get()).isEqualTo(3);
            assertThat(dst.memory.segment().asSlice(0, 4 * CHUNK).mismatch(ram))
                    .as("device memory = guest RAM")
                    .isEqualTo(-1);
        }
    }

    @Test
    @DisplayName(
            "MIG-1.7 a copy that completes while the device stops raises its interrupt pending; it fires on the destination only")
    void mig1_7_completionPendingAcrossMigration() throws Exception {
        MemorySegment ram = guestRam(2 * CHUNK);
        try (Side src = new Side(ram);
                Side dst = new Side(ram)) {
            src.ring(2 * CHUNK);
            src.client.permits.release(1);
            src.awaitCalls(2); // the last chunk is moving
            src.stopWhileChunkInFlight();
            assertThat(src.engine.read32(STATUS)).isEqualTo(STATUS_DONE);
            assertThat(src.device.msixPending(VECTOR))
                    .as("held in the PBA while stopped")
                    .isTrue();
            assertThat(src.vector.await(Duration.ZERO)).isFalse();
            byte[] stream;
            src.device.migration().transition(MigrationState.STOP, MigrationState.STOP_COPY);
            stream = Migrate.readToEnd(src.device.migration(), Migrate.PIECE);
            src.device.migration().transition(MigrationState.STOP_COPY, MigrationState.STOP);
            Migrate.load(dst.device.migration(), stream);
            assertThat(dst.vector.await(Duration.ZERO))
                    .as("not while the destination is stopped")
                    .isFalse();
            assertThat(dst.device.msixPending(VECTOR)).isTrue();
            dst.device.migration().transition(MigrationState.STOP, MigrationState.RUNNING);
            assertThat(dst.vector.take()).isEqualTo(1);
            assertThat(dst.device.msixPending(VECTOR)).isFalse();
            assertThat(dst.engine.read32(STATUS)).isEqualTo(STATUS_DONE);
            assertThat(dst.client.calls.get()).isZero();
            assertThat(src.vector.await(Duration.ZERO)).isFalse();
        }
    }

    @Test
    @DisplayName("MIG-1.10 a paused copy continues on the source when the migration is given up (back to RUNNING)")
    void mig1_10_pausedCopyContinuesOnSource() throws Exception {
        MemorySegment ram = guestRam(3 * CHUNK);
        try (Side src = new Side(ram)) {
            src.ring(3 * CHUNK);
            src.awaitCalls(1);
            src.stopWhileChunkInFlight();
            src.device.migration().transition(MigrationState.STOP, MigrationState.STOP_COPY);
            src.device.migration().abandon();
            src.client.permits.release(10);
            assertThat(src.awaitNotBusy()).isEqualTo(STATUS_DONE);
            assertThat(src.client.offsets).containsExactly(0L, CHUNK, 2 * CHUNK);
            assertThat(src.vector.take()).isEqualTo(1);
        }
    }
}
