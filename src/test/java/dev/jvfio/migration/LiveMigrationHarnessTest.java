package dev.jvfio.migration;

import static dev.jvfio.engine.CopyEngine.DONE;
import static dev.jvfio.engine.CopyEngine.ERRORS;
import static dev.jvfio.engine.CopyEngine.STATUS;
import static dev.jvfio.engine.CopyEngine.STATUS_BUSY;
import static dev.jvfio.engine.CopyEngine.STATUS_DONE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import dev.jvfio.client.ClientMigration;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.MigrationState;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.devicestate.MemoryFile;
import dev.jvfio.engine.CopyEngine;
import dev.jvfio.os.MappedMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A live migration of a GH200 as a VMM does it, between two {@code jvfio serve} processes: the
 * test VMM gives the source guest RAM (a memfd, DMA_MAP) and MSI-X eventfds, the "guest" drives
 * the GPU (config space, trapped BAR0 registers, usemem through the VMM's mapping, copy-engine
 * copies), and the VMM migrates it while the engine keeps writing guest RAM. The destination must
 * show the guest what the source did, finish the copy the source stopped, fire each completion
 * once, and the source's dirty log must name exactly the guest pages the engine wrote.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // a guard against a hang, not a measurement
class LiveMigrationHarnessTest {
    static final long MiB = 1L << 20;
    static final long PAGE = GuestRam.PAGE;

    /** Guest RAM: 384 MiB at bus address 4 GiB. */
    static final long IOVA = 4L << 30;

    static final long RAM_SIZE = 384 * MiB;
    /** Guest buffers (bus addresses): A is only read by the engine, B written during pre-copy, C by the copy in flight at STOP, D on the destination afterwards. */
    static final long A = IOVA;

    static final long B = IOVA + 16 * MiB;
    static final long C = IOVA + 64 * MiB;
    static final long C_SIZE = 256 * MiB; // the engine's largest copy: 32 chunks, so STOP finds it running
    static final long D = IOVA + 320 * MiB;
    /** Device memory (usemem offsets): a pattern the guest writes through BAR4, and where copies from A land. */
    static final long PATTERN = 0;

    static final long PATTERN_SIZE = 256 * MiB;
    static final long FROM_GUEST = 512 * MiB;
    /** MSI-X vectors: copies during pre-copy, the copy in flight, one armed but first used after migration, one masked. */
    static final int V_COPY = 1;

    static final int V_IN_FLIGHT = 2;
    static final int V_AFTER = 3;
    static final int V_MASKED = 7;
    static final int PRECOPY_STEPS = 12;

    Path dir;
    final List<AutoCloseable> open = new ArrayList<>();

    <T extends AutoCloseable> T open(T c) {
        open.add(c);
        return c;
    }

    @BeforeEach
    void makeDir() throws Exception {
        dir = TempDirs.create();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        TempDirs.delete(dir);
    }

    /** One copy the engine made into guest RAM: where from, where to, how much. */
    record GuestWrite(long deviceOffset, long busAddress, long length) {}

    @Test
    @DisplayName(
            "MIG-1.4 MIG-1.6 MIG-1.7 MIG-1.11 VU-10.9 VU-10.13 VU-10.14 a test VMM live-migrates a gh200 between two serve processes while its copy engine writes guest RAM: the destination shows config space, BAR0 registers and usemem as the source had them, finishes the copy in flight, fires each completion once, and the source's dirty log names exactly the pages the engine wrote")
    void liveMigrationUnderCopyEngineLoad() throws Exception {
        GpuServer source = open(GpuServer.start(dir, "src"));
        GpuServer destination = open(GpuServer.start(dir, "dst"));
        GuestRam ram = open(new GuestRam(IOVA, RAM_SIZE));
        VfioUserClient src = source.client;
        VfioUserClient dst = destination.client;
        GuestDriver guest = new GuestDriver(src);
        GuestDriver guestOnDst = new GuestDriver(dst);

        // The source VM: guest RAM mapped for DMA, the guest's driver enables the GPU and MSI-X,
        // the VMM arms one eventfd per vector.
        src.dmaMap(ram.fd(), 0, IOVA, RAM_SIZE, true, true);
        guest.enable();
        int vectorCount = guest.msixVectors();
        Vectors vectors = open(new Vectors(vectorCount));
        for (int v = 0; v < vectorCount; v++) {
            guest.msixEntry(v, 0xFEE0_0000L + v * 0x1000L, 0x40 + v);
        }
        vectors.arm(src);
        fill(ram.at(A, 16 * MiB), 1);
        MappedMemory srcUsemem = open(guest.mapUsemem());
        fill(srcUsemem.segment().asSlice(PATTERN, PATTERN_SIZE), 2);
        guest.copyToDevice(A, FROM_GUEST, 16 * MiB, V_COPY);
        assertThat(vectors.awaitCount(V_COPY, "guest-to-device copy before migration"))
                .isEqualTo(1);
        // a masked vector: its completion waits in the PBA, and must still wait there after migration
        guest.msixMask(V_MASKED, true);
        guest.copyToDevice(A + 4 * MiB, FROM_GUEST + 4 * MiB, MiB, V_MASKED);
        assertThat(guest.engine.awaitStatus()).isEqualTo(STATUS_DONE);
        assertThat(guest.msixPending(V_MASKED)).isTrue();

        // The VMM begins: dirty logging of guest RAM on the source; on the destination guest RAM is
        // mapped as well (same host: the same memfd) and the device goes to RESUMING. The destination
        // logs too, only as an observer for this test, so the pages each side wrote can be told apart.
        ClientMigration srcMig = src.migration();
        ClientMigration dstMig = dst.migration();
        assertThat(srcMig.support().preCopy()).isTrue();
        assertThat(srcMig.startDirtyLogging(PAGE, List.of(new ClientMigration.Range(IOVA, RAM_SIZE))))
                .isEqualTo(PAGE);
        dst.dmaMap(ram.fd(), 0, IOVA, RAM_SIZE, true, true);
        dstMig.startDirtyLogging(PAGE, List.of(new ClientMigration.Range(IOVA, RAM_SIZE)));
        dstMig.setState(MigrationState.RESUMING);
        StreamCarrier stream = open(new StreamCarrier(src, dst));

        // Pre-copy: each step the engine copies device memory into guest RAM (and reads guest RAM
        // into device memory) while the VMM carries a piece of the stream; the guest also rewrites
        // MSI-X table entries and usemem through the mapping (chunks already sent: MIG-1.6).
        srcMig.setState(MigrationState.PRE_COPY);
        List<GuestWrite> writes = new ArrayList<>();
        BitSet written = new BitSet();
        int copies = 2;
        for (int i = 0; i < PRECOPY_STEPS; i++) {
            GuestWrite w = new GuestWrite(
                    PATTERN + 32 * MiB + i * MiB + 13 * i, B + i * 2 * MiB + 100 * i, 64 * 1024 + i * PAGE + 1);
            guest.copyToGuest(w.deviceOffset(), w.busAddress(), w.length(), V_COPY);
            assertThat(stream.carry())
                    .as("pre-copy still has data at step %d", i)
                    .isPositive();
            assertThat(vectors.awaitCount(V_COPY, "pre-copy copy " + i)).isEqualTo(1);
            writes.add(w);
            written.or(ram.pages(w.busAddress(), w.length()));
            guest.copyToDevice(A + i * 256 * 1024, FROM_GUEST + 8 * MiB + i * MiB, 256 * 1024, V_COPY);
            assertThat(stream.carry()).isPositive();
            assertThat(vectors.awaitCount(V_COPY, "pre-copy read of guest RAM " + i))
                    .isEqualTo(1);
            copies += 2;
            guest.msixEntry(4 + i % 2, 0xFEE0_0000L + i * 0x2000L, 0x100 + i);
            if (i == 8) {
                srcUsemem.segment().set(ValueLayout.JAVA_LONG, 4096, 0xC0FFEE); // chunk 0: sent by now
                srcUsemem.segment().set(ValueLayout.JAVA_LONG, 900 * MiB, 0xF00D); // never populated before
            }
        }
        stream.carryUntilEmpty();
        assertThat(stream.carried()).as("pre-copy sent the populated usemem").isGreaterThan(PATTERN_SIZE);

        // The copy in flight: 32 chunks from usemem into guest RAM, rung just before the source stops.
        guest.copyToGuest(PATTERN, C, C_SIZE, V_IN_FLIGHT);
        copies++;
        srcMig.setState(MigrationState.STOP_COPY);
        long stopCopied = stream.carryToEnd();
        assertThat(stream.carry())
                .as("after the short read, reads are empty (MIG-1.11)")
                .isZero();
        assertThat(stopCopied)
                .as("stop-copy resends chunk 0, written after it was sent, not the 256 MiB sent before (MIG-1.6)")
                .isBetween(2 * MiB, 16 * MiB);
        srcMig.setState(MigrationState.STOP);
        int srcStatus = guest.engine.read(STATUS);
        assertThat(srcStatus)
                .as("the source stopped the copy or it had finished")
                .isIn(STATUS_BUSY, STATUS_DONE);
        byte[] srcConfig = guest.configSpace();
        byte[] srcRegisters = guest.registers();
        RegionInfo srcBar4 = guest.usemem();
        RegionInfo dstBar4 = guestOnDst.usemem();
        long usememSize = srcBar4.sparseAreas().getFirst().size();
        List<String> srcMemory =
                MemoryFile.fingerprint(srcBar4.file().fd(), srcBar4.file().fileOffset(), usememSize);
        BitSet srcDirty = BitSet.valueOf(srcMig.dirtyBitmap(IOVA, RAM_SIZE, PAGE));

        // The destination applies the stream, gets the VM's eventfds, and runs.
        dstMig.setState(MigrationState.STOP);
        // No byte of config space may differ: both servers serve the same profile and size, and the
        // stream carries everything the guest changed (BAR addresses, command, status, MSI-X control);
        // what only the host decides (ids, capability layout) is equal by construction.
        assertThat(guestOnDst.configSpace()).as("config space").isEqualTo(srcConfig);
        assertThat(guestOnDst.registers())
                .as("BAR0 registers, MSI-X table and PBA")
                .isEqualTo(srcRegisters);
        assertThat(MemoryFile.fingerprint(dstBar4.file().fd(), dstBar4.file().fileOffset(), usememSize))
                .as("usemem: populated extents and their CRC32C")
                .isEqualTo(srcMemory)
                .hasSizeGreaterThanOrEqualTo(3);
        vectors.arm(dst);
        dstMig.setState(MigrationState.RUNNING);

        // MIG-1.7: the copy in flight completes once, on one side; its bytes are usemem's.
        assertThat(vectors.awaitCount(V_IN_FLIGHT, "the copy in flight at STOP"))
                .as("its completion fired once")
                .isEqualTo(1);
        assertThat(guestOnDst.engine.awaitStatus()).isEqualTo(STATUS_DONE);
        assertThat(guestOnDst.engine.read(DONE)).isEqualTo(copies);
        assertThat(guestOnDst.engine.read(ERRORS)).isZero();
        MappedMemory dstUsemem = open(guestOnDst.mapUsemem());
        assertThat(ram.at(C, C_SIZE).mismatch(dstUsemem.segment().asSlice(PATTERN, C_SIZE)))
                .as("guest RAM holds what the copy in flight copied")
                .isEqualTo(-1L);
        for (GuestWrite w : writes) {
            assertThat(ram.at(w.busAddress(), w.length())
                            .mismatch(dstUsemem.segment().asSlice(w.deviceOffset(), w.length())))
                    .isEqualTo(-1L);
        }
        assertThat(dstUsemem.segment().get(ValueLayout.JAVA_LONG, 900 * MiB)).isEqualTo(0xF00D);

        // A vector armed before migration, first used after it, fires on the destination; the masked
        // vector's pending completion fires once it is unmasked there.
        guestOnDst.copyToGuest(PATTERN + 8 * MiB, D, 16 * MiB, V_AFTER);
        assertThat(vectors.awaitCount(V_AFTER, "a copy on the destination")).isEqualTo(1);
        assertThat(ram.at(D, 16 * MiB).mismatch(dstUsemem.segment().asSlice(PATTERN + 8 * MiB, 16 * MiB)))
                .isEqualTo(-1L);
        assertThat(vectors.fired(V_MASKED)).as("masked: still pending").isFalse();
        guestOnDst.msixMask(V_MASKED, false);
        assertThat(vectors.awaitCount(V_MASKED, "unmasked on the destination")).isEqualTo(1);

        // The dirty logs: the source's names exactly the pages the engine wrote there (not the
        // pages it only read, nor any before logging began), and of the copy in flight a run from
        // its start; the destination wrote exactly the rest of it, and D.
        BitSet inFlight = ram.pages(C, C_SIZE);
        BitSet srcInFlight = (BitSet) srcDirty.clone();
        srcInFlight.and(inFlight);
        BitSet srcOther = (BitSet) srcDirty.clone();
        srcOther.andNot(inFlight);
        assertThat(srcOther).as("pre-copy pages written by the engine").isEqualTo(written);
        assertThat(srcInFlight)
                .as("the part of the copy in flight done on the source")
                .isEqualTo(srcInFlight.isEmpty() ? new BitSet() : ram.pages(C, srcInFlight.cardinality() * PAGE));
        assertThat(srcInFlight.cardinality() * PAGE % CopyEngine.CHUNK)
                .as("the source stopped the copy at a chunk boundary")
                .isZero();
        if (srcStatus == STATUS_DONE) {
            assertThat(srcInFlight).isEqualTo(inFlight);
        }
        BitSet dstExpected = (BitSet) inFlight.clone();
        dstExpected.andNot(srcInFlight);
        dstExpected.or(ram.pages(D, 16 * MiB));
        assertThat(BitSet.valueOf(dstMig.dirtyBitmap(IOVA, RAM_SIZE, PAGE)))
                .as("pages the destination wrote: the rest of the copy in flight, and D")
                .isEqualTo(dstExpected);
        System.out.printf(
                "pre-copy %d MiB, stop-copy %d MiB; the copy in flight did %d of %d MiB on the source%n",
                (stream.carried() - stopCopied) >> 20,
                stopCopied >> 20,
                srcInFlight.cardinality() * PAGE >> 20,
                C_SIZE >> 20);

        // The source's VMM leaves and the servers stop: nothing fires after the fact.
        source.stop();
        destination.stop();
        for (int v = 0; v < vectorCount; v++) {
            assertThat(vectors.fired(v))
                    .as("vector %d after both servers stopped", v)
                    .isFalse();
        }
    }

    /** Fills {@code s} with seeded random longs. */
    static void fill(MemorySegment s, long seed) {
        Random r = new Random(seed);
        for (long at = 0; at < s.byteSize(); at += 8) {
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, at, r.nextLong());
        }
    }
}
