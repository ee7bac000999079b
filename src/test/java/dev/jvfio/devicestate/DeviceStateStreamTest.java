package dev.jvfio.devicestate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.Errno;
import dev.jvfio.device.MigrationState;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.SparseFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The device state stream (docs/migration-state.md) between two in-process devices made of fake
 * sections and a sparse memfd: what it carries, what it refuses, and what it sends again.
 */
class DeviceStateStreamTest {
    static final long MiB = 1L << 20;
    static final long CHUNK = StreamFormat.CHUNK;

    private MemoryFile srcMemory;
    private MemoryFile dstMemory;

    @AfterEach
    void close() {
        if (srcMemory != null) srcMemory.close();
        if (dstMemory != null) dstMemory.close();
    }

    /** A device: two sections over a memory file. */
    record Device(DeviceStateMigration migration, FakeSection a, FakeSection b, MemoryFile memory) {}

    private Device device(String profile, long size, long a, long b, boolean source) throws Exception {
        MemoryFile m = new MemoryFile(size);
        if (source) srcMemory = m;
        else dstMemory = m;
        FakeSection sa = new FakeSection("a", a);
        FakeSection sb = new FakeSection("b", b);
        return new Device(
                new DeviceStateMigration(new StreamIdentity("test", profile, size), List.of(sa, sb), m.image()),
                sa,
                sb,
                m);
    }

    private static void assertRefused(Device d, byte[] stream) throws Exception {
        d.migration().transition(MigrationState.RUNNING, MigrationState.STOP);
        d.migration().transition(MigrationState.STOP, MigrationState.RESUMING);
        Migrate.write(d.migration(), stream, Migrate.PIECE);
        assertThatThrownBy(() -> d.migration().transition(MigrationState.RESUMING, MigrationState.STOP))
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(d.a().applied + d.b().applied).as("sections applied").isZero();
        assertThat(d.memory().fingerprint())
                .as("MIG-1.13 the fresh destination's memory after the refusal")
                .isEmpty();
        d.migration().abandon();
    }

    @Test
    @DisplayName("MIG-1.13 a stream refused after its memory records arrived leaves a fresh destination's memory empty")
    void mig1_13_refusedAfterMemory() throws Exception {
        Device src = device("p", 16 * MiB, 1, 2, true);
        src.memory().fill(0, 3 * CHUNK + 4096, 5);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        Device dst = device("p", 16 * MiB, 0, 0, false);
        // the last byte is in the end record: every memory record went in whole and was written
        byte[] bad = stream.clone();
        bad[bad.length - 1] ^= 1;
        assertRefused(dst, bad);
    }

    @Test
    @DisplayName("MIG-1.13 a client that leaves mid-stream leaves a fresh destination's memory empty")
    void mig1_13_abandonedAfterMemory() throws Exception {
        Device src = device("p", 16 * MiB, 1, 2, true);
        src.memory().fill(0, 3 * CHUNK, 6);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        Device dst = device("p", 16 * MiB, 0, 0, false);
        dst.migration().transition(MigrationState.RUNNING, MigrationState.STOP);
        dst.migration().transition(MigrationState.STOP, MigrationState.RESUMING);
        Migrate.write(dst.migration(), Arrays.copyOf(stream, stream.length / 2), Migrate.PIECE);
        assertThat(dst.memory().fingerprint()).as("written as it arrives").isNotEmpty();
        dst.migration().abandon();
        assertThat(dst.memory().fingerprint()).isEmpty();
    }

    @Test
    @DisplayName("MIG-1.13 a destination that held data keeps it when a stream is refused before its memory")
    void mig1_13_usedDestinationKeepsData() throws Exception {
        Device src = device("p", 16 * MiB, 1, 2, true);
        src.memory().fill(0, CHUNK, 8);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        Device dst = device("other", 16 * MiB, 0, 0, false);
        dst.memory().fill(4 * CHUNK, 8192, 9);
        List<String> before = dst.memory().fingerprint();
        dst.migration().transition(MigrationState.RUNNING, MigrationState.STOP);
        dst.migration().transition(MigrationState.STOP, MigrationState.RESUMING);
        Migrate.write(dst.migration(), stream, Migrate.PIECE);
        assertThatThrownBy(() -> dst.migration().transition(MigrationState.RESUMING, MigrationState.STOP))
                .isInstanceOf(VfioException.class);
        assertThat(dst.memory().fingerprint()).isEqualTo(before);
    }

    @Test
    @DisplayName("MIG-1.4 a round trip carries every section and the memory: equal extents, equal bytes")
    void mig1_4_roundTrip() throws Exception {
        Device src = device("p", 64 * MiB, 11, 22, true);
        src.memory().fill(0, 4096, 1);
        src.memory().fill(5 * MiB + 4096, 3 * 4096, 2);
        src.memory().fill(40 * MiB, 6 * MiB, 3);
        Device dst = device("p", 64 * MiB, 0, 0, false);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        Migrate.resume(dst.migration(), stream);
        assertThat(dst.a().value).isEqualTo(11);
        assertThat(dst.b().value).isEqualTo(22);
        assertThat(dst.memory().fingerprint())
                .isEqualTo(src.memory().fingerprint())
                .hasSize(3);
        assertThat(src.a().stops).isEqualTo(1);
        assertThat(dst.a().runs).isEqualTo(1);
    }

    @Test
    @DisplayName("MIG-1.5 only populated extents move: 64 MiB touched of 8 GiB sends 64 MiB of memory")
    void mig1_5_populatedExtentsOnly() throws Exception {
        Device src = device("p", 8L << 30, 1, 2, true);
        src.memory().fill(0, 16 * MiB, 1);
        src.memory().fill(3L << 30, 16 * MiB, 2);
        src.memory().fill((8L << 30) - 32 * MiB, 32 * MiB, 3);
        Device dst = device("p", 8L << 30, 0, 0, false);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        DeviceStateMigration.Progress p = src.migration().progress();
        assertThat(p.memoryBytes()).isEqualTo(64 * MiB);
        assertThat(p.memoryRecords()).isEqualTo(32);
        assertThat((long) stream.length).isBetween(64 * MiB, 64 * MiB + 64 * 1024);
        Migrate.resume(dst.migration(), stream);
        assertThat(dst.memory().fingerprint()).isEqualTo(src.memory().fingerprint());
    }

    @Test
    @DisplayName(
            "MIG-1.6 after PRE_COPY, STOP_COPY resends only the chunks whose digest changed and those newly populated")
    void mig1_6_precopyThenDelta() throws Exception {
        Device src = device("p", 256 * MiB, 5, 6, true);
        src.memory().fill(0, 32 * MiB, 1); // 16 chunks
        Device dst = device("p", 256 * MiB, 0, 0, false);
        byte[] pre = Migrate.preCopy(src.migration());
        assertThat(src.migration().progress().memoryRecords()).isEqualTo(16);
        assertThat(src.a().stops).as("PRE_COPY leaves the device running").isZero();
        assertThat(Migrate.readUntilEmpty(src.migration(), 4096))
                .as("nothing more for now")
                .isEmpty();
        // the guest writes on: two chunks change, one gets bytes written as they were, one new chunk appears
        src.memory().fill(3 * CHUNK + 4096, 100, 7);
        src.memory().fill(9 * CHUNK, CHUNK, 8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(16);
            SparseFile.readFully(src.memory().fd, s, 5 * CHUNK);
            SparseFile.writeFully(src.memory().fd, s, 5 * CHUNK);
        }
        src.memory().fill(100 * MiB, 4096, 9);
        src.a().value = 55;
        byte[] rest = Migrate.finishStopCopy(src.migration());
        DeviceStateMigration.Progress p = src.migration().progress();
        assertThat(p.memoryRecords()).as("chunks in the whole stream").isEqualTo(16 + 3);
        assertThat(p.rescanned()).isEqualTo(16);
        assertThat(p.unchanged()).isEqualTo(14);
        Migrate.resume(dst.migration(), Migrate.concat(pre, rest));
        assertThat(dst.a().value).isEqualTo(55);
        assertThat(dst.memory().fingerprint()).isEqualTo(src.memory().fingerprint());
    }

    @Test
    @DisplayName(
            "MIG-1.2 a stream of another profile, memory size or kind is refused at RESUMING->STOP; nothing applied, memory untouched")
    void mig1_2_foreignIdentity() throws Exception {
        Device src = device("p", 64 * MiB, 1, 2, true);
        src.memory().fill(0, 4 * MiB, 1);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        for (Device dst : List.of(device("q", 64 * MiB, 0, 0, false), device("p", 128 * MiB, 0, 0, false))) {
            assertRefused(dst, stream);
            assertThat(dst.memory().fingerprint()).isEmpty();
            dst.memory().close();
        }
        FakeSection x = new FakeSection("a", 0);
        FakeSection y = new FakeSection("b", 0);
        MemoryFile m = new MemoryFile(64 * MiB);
        try (m) {
            DeviceStateMigration other =
                    new DeviceStateMigration(new StreamIdentity("other", "p", 64 * MiB), List.of(x, y), m.image());
            assertRefused(new Device(other, x, y, m), stream);
        }
    }

    @Test
    @DisplayName(
            "MIG-1.2 another version, another magic, or bytes that are not a stream at all: refused, nothing applied")
    void mig1_2_foreignVersionAndGarbage() throws Exception {
        Device src = device("p", 64 * MiB, 1, 2, true);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        Device dst = device("p", 64 * MiB, 0, 0, false);
        byte[] v2 = stream.clone();
        v2[StreamFormat.RECORD_HEAD + 8] = 2; // the version field of the header
        fixHeaderCrc(v2);
        assertRefused(dst, v2);
        byte[] magic = stream.clone();
        magic[StreamFormat.RECORD_HEAD] ^= 1;
        fixHeaderCrc(magic);
        assertRefused(dst, magic);
        byte[] garbage = new byte[4096];
        new Random(1).nextBytes(garbage);
        assertRefused(dst, garbage);
        assertRefused(dst, new byte[0]);
        assertThat(dst.memory().fingerprint()).isEmpty();
    }

    private static void fixHeaderCrc(byte[] stream) {
        int length = (int) Crc.getLong(stream, 4);
        int end = StreamFormat.RECORD_HEAD + length;
        Crc.putInt(stream, end, Crc.of(stream, 0, end));
    }

    @Test
    @DisplayName("MIG-1.3 a stream cut anywhere is refused with EINVAL and applies no section")
    void mig1_3_truncated() throws Exception {
        Device src = device("p", 16 * MiB, 1, 2, true);
        src.memory().fill(CHUNK, 8192, 1);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        Device dst = device("p", 16 * MiB, 0, 0, false);
        Random r = new Random(42);
        for (int i = 0; i < 40; i++) {
            int cut = i < 8 ? stream.length - 1 - i : r.nextInt(stream.length);
            assertRefused(dst, Arrays.copyOf(stream, cut));
        }
    }

    @Test
    @DisplayName("MIG-1.3 any byte of the stream flipped is refused with EINVAL and applies no section")
    void mig1_3_corrupt() throws Exception {
        Device src = device("p", 16 * MiB, 1, 2, true);
        src.memory().fill(CHUNK, 8192, 1);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        Device dst = device("p", 16 * MiB, 0, 0, false);
        Random r = new Random(7);
        for (int i = 0; i < 60; i++) {
            byte[] bad = stream.clone();
            int at = i < 30 ? i * stream.length / 30 : r.nextInt(stream.length);
            bad[at] ^= (byte) (1 << r.nextInt(8));
            assertRefused(dst, bad);
        }
    }

    @Test
    @DisplayName("MIG-1.12 bytes after the end, a stream twice, a section missing: refused")
    void mig1_12_framing() throws Exception {
        Device src = device("p", 16 * MiB, 1, 2, true);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        Device dst = device("p", 16 * MiB, 0, 0, false);
        assertRefused(dst, Migrate.concat(stream, new byte[1]));
        assertRefused(dst, Migrate.concat(stream, stream));
        FakeSection onlyA = new FakeSection("a", 3);
        MemoryFile m = new MemoryFile(16 * MiB);
        try (m) {
            DeviceStateMigration one =
                    new DeviceStateMigration(new StreamIdentity("test", "p", 16 * MiB), List.of(onlyA), m.image());
            byte[] short1 = Migrate.stopAndCopy(one);
            assertRefused(dst, short1); // no section b
            FakeSection a2 = new FakeSection("a", 0);
            DeviceStateMigration two =
                    new DeviceStateMigration(new StreamIdentity("test", "p", 16 * MiB), List.of(a2), m.image());
            assertRefused(new Device(two, a2, new FakeSection("b", 0), m), stream); // section b unknown here
        }
    }

    @Test
    @DisplayName(
            "MIG-1.11 the stream is the same whatever the read size; STOP_COPY ends with a short read, then empty ones")
    void mig1_11_readSizes() throws Exception {
        byte[] reference = null;
        for (int piece : new int[] {1 << 20, 4096, 4093, 65537}) {
            Device src = device("p", 32 * MiB, 1, 2, true);
            src.memory().fill(0, 3 * MiB + 100, 1);
            src.migration().transition(MigrationState.RUNNING, MigrationState.STOP);
            src.migration().transition(MigrationState.STOP, MigrationState.STOP_COPY);
            byte[] s = Migrate.readToEnd(src.migration(), piece);
            if (reference == null) reference = s;
            else assertThat(s).isEqualTo(reference);
            srcMemory.close();
            srcMemory = null;
        }
    }

    @Test
    @DisplayName(
            "MIG-1.9 with a shared memory file the stream carries no memory; the destination checks it maps that file")
    void mig1_9_sharedFile() throws Exception {
        Device src = device("p", 64 * MiB, 1, 2, true);
        src.memory().fill(0, 8 * MiB, 1);
        src.migration().shareMemoryFile(true);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        assertThat(src.migration().progress().memoryBytes()).isZero();
        assertThat(stream.length).isLessThan(1024);
        FakeSection a = new FakeSection("a", 0);
        FakeSection b = new FakeSection("b", 0);
        DeviceStateMigration same = new DeviceStateMigration(
                new StreamIdentity("test", "p", 64 * MiB),
                List.of(a, b),
                MemoryImage.of(src.memory().fd.duplicate(), 0, 64 * MiB));
        Migrate.resume(same, stream);
        assertThat(a.value).isEqualTo(1);
        Device other = device("p", 64 * MiB, 0, 0, false);
        assertRefused(other, stream);
    }

    @Test
    @DisplayName("MIG-1.10 a client that leaves in any state: streams dropped, the device running again")
    void mig1_10_abandon() throws Exception {
        Device d = device("p", 16 * MiB, 1, 2, true);
        DeviceStateMigration m = d.migration();
        m.transition(MigrationState.RUNNING, MigrationState.PRE_COPY);
        m.abandon();
        assertThat(d.a().stops).isZero();
        m.transition(MigrationState.RUNNING, MigrationState.STOP);
        m.transition(MigrationState.STOP, MigrationState.STOP_COPY);
        m.abandon();
        assertThat(d.a().runs).isEqualTo(1);
        assertThatThrownBy(() -> m.read(MemorySegment.ofArray(new byte[8]))).isInstanceOf(VfioException.class);
        m.transition(MigrationState.RUNNING, MigrationState.STOP);
        m.transition(MigrationState.STOP, MigrationState.RESUMING);
        m.write(MemorySegment.ofArray(new byte[100]));
        m.abandon();
        assertThat(d.a().runs).isEqualTo(2);
        assertThatThrownBy(() -> m.write(MemorySegment.ofArray(new byte[8]))).isInstanceOf(VfioException.class);
        assertThat(d.a().applied).isZero();
    }

    @Test
    @DisplayName("MIG-1.11 PRE_COPY: a read returns 0 once the pass is over; MIG_DATA_SIZE counts what is left")
    void mig1_11_precopyEmptyRead() throws Exception {
        Device d = device("p", 64 * MiB, 1, 2, true);
        d.memory().fill(0, 6 * MiB, 1);
        assertThat(d.migration().stopCopyLength()).isGreaterThanOrEqualTo(6 * MiB);
        d.migration().transition(MigrationState.RUNNING, MigrationState.PRE_COPY);
        Migrate.readUntilEmpty(d.migration(), Migrate.PIECE);
        assertThat(d.migration().stopCopyLength()).isLessThan(MiB);
        try (Arena a = Arena.ofConfined()) {
            assertThat(d.migration().read(a.allocate(4096))).isZero();
        }
    }
}
