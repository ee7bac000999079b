package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.MappableFile;
import dev.jvfio.device.MigrationState;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.devicestate.DeviceStateMigration;
import dev.jvfio.devicestate.MemoryFile;
import dev.jvfio.devicestate.Migrate;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.SparseFile;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.profile.GpuProfile;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MIG-1.x on the GPU (in-process, no socket): a device saved on one simulated GPU and restored on a
 * fresh one, for every profile and both layouts, shows the guest the same config space, BAR0
 * registers, MSI-X table and PBA, emulated BAR registers and device memory.
 */
class GpuMigrationTest {
    static final long MiB = 1L << 20;
    static final long GiB = 1L << 30;
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final long BAR0_ENGINE = 0x10_0000;
    static final long BAR0_GUEST_INFO = 0xE0_0000;
    static final long MSIX_TABLE = 0xB9_0000;
    static final long MSIX_PBA = 0xBA_0000;

    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    NvGraceGpuDevice gpu(GpuProfile p, GpuOptions o, FakeTime time) throws Exception {
        NvGraceGpuDevice d = DeviceProfiles.createGpu(p, o.withProfile(p.profileName()), time, time);
        open.add(d);
        d.attach(DmaSpace.NONE);
        return d;
    }

    static int read32(VfioDevice d, int region, long off) throws VfioException {
        MemorySegment b = MemorySegment.ofArray(new byte[4]);
        d.read(region, off, b);
        return b.get(LE32, 0);
    }

    static void write32(VfioDevice d, int region, long off, int v) throws VfioException {
        MemorySegment b = MemorySegment.ofArray(new byte[4]);
        b.set(LE32, 0, v);
        d.write(region, off, b);
    }

    static byte[] read(VfioDevice d, int region, long off, int n) throws VfioException {
        byte[] out = new byte[n];
        d.read(region, off, MemorySegment.ofArray(out));
        return out;
    }

    /** The device memory file and its extent in it, from the region a VMM maps. */
    record Memory(MappableFile file, long size) {}

    static Memory memory(NvGraceGpuDevice d) throws VfioException {
        if (!d.emulating()) {
            return null;
        }
        MemoryLayout l = d.memoryLayout().orElseThrow();
        long size = l.resmem()
                .map(r -> r.fileOffset() + r.length())
                .orElse(l.usemem().length());
        int region =
                d.options().layout() == RegionLayout.BAR ? Vfio.PCI_BAR4_REGION_INDEX : DeviceRegions.DEVICE_MEMORY;
        RegionInfo info = d.regionInfo(region);
        return new Memory(info.file(), size);
    }

    static void touch(Memory m, long offset, long length, long seed) throws Exception {
        Random r = new Random(seed);
        byte[] b = new byte[(int) Math.min(length, 1 << 20)];
        for (long done = 0; done < length; done += b.length) {
            r.nextBytes(b);
            SparseFile.writeFully(
                    m.file().fd(),
                    MemorySegment.ofArray(b).asSlice(0, Math.min(b.length, length - done)),
                    m.file().fileOffset() + offset + done);
        }
    }

    static List<String> fingerprint(Memory m) throws Exception {
        return m == null
                ? List.of()
                : MemoryFile.fingerprint(m.file().fd(), m.file().fileOffset(), m.size());
    }

    /** What a guest reads of the device: config space, BAR0's modelled registers, the MSI-X table and PBA. */
    static byte[] guestView(NvGraceGpuDevice d) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(read(d, Vfio.PCI_CONFIG_REGION_INDEX, 0, 4096));
        out.write(read(d, Vfio.PCI_BAR0_REGION_INDEX, 0, 16));
        out.write(read(d, Vfio.PCI_BAR0_REGION_INDEX, 0x1498, 4));
        out.write(read(d, Vfio.PCI_BAR0_REGION_INDEX, 0x200BC, 4));
        out.write(read(d, Vfio.PCI_BAR0_REGION_INDEX, BAR0_ENGINE, 0x40));
        out.write(read(d, Vfio.PCI_BAR0_REGION_INDEX, BAR0_GUEST_INFO, 0x100));
        out.write(read(d, Vfio.PCI_BAR0_REGION_INDEX, MSIX_TABLE, 9 * 16));
        out.write(read(d, Vfio.PCI_BAR0_REGION_INDEX, MSIX_PBA, 8));
        return out.toByteArray();
    }

    static Stream<Arguments> profiles() {
        List<Arguments> out = new ArrayList<>();
        for (GpuProfile p : GpuProfile.values()) {
            for (RegionLayout l : RegionLayout.values()) {
                out.add(Arguments.of(p, l));
            }
        }
        return out.stream();
    }

    /** Puts the guest's fingerprints on a GPU: BAR addresses, command, MSI-X, emulated BARs, a masked pending vector, engine registers, memory. */
    static EventFd program(NvGraceGpuDevice d) throws Exception {
        int cfg = Vfio.PCI_CONFIG_REGION_INDEX;
        write32(d, cfg, 0x10, 0xFC00_0004);
        write32(d, cfg, 0x14, 0x0000_0001);
        write32(d, cfg, 0x18, 0x8000_000C);
        write32(d, cfg, 0x1C, 0x0000_0040);
        write32(d, cfg, 0x20, 0x0000_000C);
        write32(d, cfg, 0x24, 0x0000_0080);
        write32(d, cfg, PciHeader.COMMAND, PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER);
        int msix = d.core().capabilities().find(PciHeader.CAP_ID_MSIX).orElseThrow();
        write32(d, cfg, msix, read32(d, cfg, msix) | 0x8000 << 16);
        for (int v = 0; v < 9; v++) {
            write32(d, Vfio.PCI_BAR0_REGION_INDEX, MSIX_TABLE + 16L * v, 0xFEE0_0000 + v * 0x1000);
            write32(d, Vfio.PCI_BAR0_REGION_INDEX, MSIX_TABLE + 16L * v + 8, 0x40 + v);
        }
        write32(d, Vfio.PCI_BAR0_REGION_INDEX, MSIX_TABLE + 16L * 5 + 12, 1); // vector 5 masked
        EventFd fd = EventFd.create();
        d.setIrqs(new IrqSet(
                Vfio.PCI_MSIX_IRQ_INDEX,
                Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER,
                5,
                1,
                new byte[0],
                List.of(fd.fd().duplicate())));
        d.core().triggerMsix(5); // pending in the PBA
        write32(d, Vfio.PCI_BAR0_REGION_INDEX, BAR0_ENGINE + 0x00, 0x1234_5000); // engine SRC_LO
        write32(d, Vfio.PCI_BAR0_REGION_INDEX, BAR0_ENGINE + 0x10, 0x1000); // LEN
        return fd;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("profiles")
    @DisplayName(
            "MIG-1.4 every profile, both layouts: the destination shows the guest what the source did, memory included")
    void mig1_4_roundTrip(GpuProfile profile, RegionLayout layout) throws Exception {
        GpuOptions o = GpuOptions.defaults().withLayout(layout);
        NvGraceGpuDevice src = gpu(profile, o, new FakeTime());
        NvGraceGpuDevice dst = gpu(profile, o, new FakeTime());
        open.add(program(src));
        Memory m = memory(src);
        touch(m, 0, 3 * MiB + 4096, 1);
        touch(m, m.size() - 6 * MiB, 5 * MiB, 2); // resmem on a GH200
        byte[] before = guestView(src);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        assertThat(dst.migration().identity()).isEqualTo(src.migration().identity());
        Migrate.resume(dst.migration(), stream);
        assertThat(guestView(src)).as("the source keeps its state").isEqualTo(before);
        assertThat(guestView(dst)).isEqualTo(before);
        assertThat(dst.core().msixPending(5)).isTrue();
        assertThat(fingerprint(memory(dst))).isEqualTo(fingerprint(m)).hasSize(2);
        assertThat(src.migration().progress().memoryBytes()).isEqualTo(8 * MiB + 4096);
    }

    @Test
    @DisplayName("MIG-1.4 pass-through (no firmware memory properties): the PCI state moves, no memory")
    void mig1_4_passThrough() throws Exception {
        GpuOptions o = GpuOptions.defaults().withFirmwareProperties(false);
        NvGraceGpuDevice src = gpu(GpuProfile.GH200, o, new FakeTime());
        NvGraceGpuDevice dst = gpu(GpuProfile.GH200, o, new FakeTime());
        open.add(program(src));
        byte[] before = guestView(src);
        Migrate.resume(dst.migration(), Migrate.stopAndCopy(src.migration()));
        assertThat(guestView(dst)).isEqualTo(before);
        assertThat(dst.migration().identity().memorySize()).isZero();
    }

    @Test
    @DisplayName(
            "MIG-1.2 a GH200 stream is refused by a GB200, by the other layout, by another memory size and policy; the destination is as it was")
    void mig1_2_foreignProfiles() throws Exception {
        GpuOptions o = GpuOptions.defaults().withMemorySize(8 * GiB);
        NvGraceGpuDevice src = gpu(GpuProfile.GH200, o, new FakeTime());
        open.add(program(src));
        touch(memory(src), 0, MiB, 3);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        List<NvGraceGpuDevice> others = List.of(
                gpu(GpuProfile.GB200, o, new FakeTime()),
                gpu(GpuProfile.GH200_SKU, o, new FakeTime()),
                gpu(GpuProfile.GH200, o.withLayout(RegionLayout.REGION), new FakeTime()),
                gpu(GpuProfile.GH200, o.withMemorySize(16 * GiB), new FakeTime()),
                gpu(GpuProfile.GH200, o.withPolicy(MemoryEnablePolicy.STRICT), new FakeTime()));
        for (NvGraceGpuDevice d : others) {
            write32(d, Vfio.PCI_CONFIG_REGION_INDEX, PciHeader.COMMAND, PciHeader.COMMAND_MEMORY);
            byte[] before = guestView(d);
            DeviceStateMigration m = d.migration();
            m.transition(MigrationState.RUNNING, MigrationState.STOP);
            m.transition(MigrationState.STOP, MigrationState.RESUMING);
            Migrate.write(m, stream, Migrate.PIECE);
            assertThatThrownBy(() -> m.transition(MigrationState.RESUMING, MigrationState.STOP))
                    .isInstanceOfSatisfying(
                            VfioException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            m.abandon();
            assertThat(guestView(d)).isEqualTo(before);
            if (memory(d).file() != null) { // STRICT offers no mmap: its memory is checked through BAR4 below
                assertThat(fingerprint(memory(d))).isEmpty();
            } else {
                assertThat(read(d, Vfio.PCI_BAR4_REGION_INDEX, 0, 4096)).containsOnly(0);
            }
        }
    }

    @Test
    @DisplayName("MIG-1.3 a corrupt GPU stream leaves the destination's config, registers and MSI-X as they were")
    void mig1_3_corruptSectionChangesNothing() throws Exception {
        GpuOptions o = GpuOptions.defaults().withMemorySize(8 * GiB);
        NvGraceGpuDevice src = gpu(GpuProfile.GH200, o, new FakeTime());
        NvGraceGpuDevice dst = gpu(GpuProfile.GH200, o, new FakeTime());
        open.add(program(src));
        byte[] stream = Migrate.stopAndCopy(src.migration());
        write32(dst, Vfio.PCI_CONFIG_REGION_INDEX, PciHeader.COMMAND, PciHeader.COMMAND_MEMORY);
        byte[] before = guestView(dst);
        byte[] bad = stream.clone();
        bad[bad.length - 200] ^= 0x10; // inside the last section
        assertThatThrownBy(() -> Migrate.load(dst.migration(), bad)).isInstanceOf(VfioException.class);
        dst.migration().abandon();
        assertThat(guestView(dst)).isEqualTo(before);
    }

    @Test
    @DisplayName("MIG-1.5 a 96 GiB GH200 with 64 MiB touched sends 64 MiB of memory")
    void mig1_5_gh200PopulatedOnly() throws Exception {
        NvGraceGpuDevice src = gpu(GpuProfile.GH200, GpuOptions.defaults(), new FakeTime());
        Memory m = memory(src);
        touch(m, 10 * GiB, 32 * MiB, 1);
        touch(m, 90 * GiB + 4096, 32 * MiB, 2);
        byte[] stream = Migrate.stopAndCopy(src.migration());
        assertThat(src.migration().progress().memoryBytes()).isEqualTo(64 * MiB);
        assertThat((long) stream.length).isLessThan(64 * MiB + MiB);
    }

    @Test
    @DisplayName(
            "MIG-1.6 trapped BAR4 writes during PRE_COPY: STOP_COPY resends just those chunks; the destination matches")
    void mig1_6_precopyWithTrappedWrites() throws Exception {
        GpuOptions o = GpuOptions.defaults().withMemorySize(8 * GiB);
        NvGraceGpuDevice src = gpu(GpuProfile.GH200, o, new FakeTime());
        NvGraceGpuDevice dst = gpu(GpuProfile.GH200, o, new FakeTime());
        Memory m = memory(src);
        touch(m, 0, 40 * MiB, 1); // 20 chunks
        write32(src, Vfio.PCI_CONFIG_REGION_INDEX, PciHeader.COMMAND, PciHeader.COMMAND_MEMORY);
        byte[] pre = Migrate.preCopy(src.migration());
        assertThat(src.migration().progress().memoryRecords()).isEqualTo(20);
        write32(src, Vfio.PCI_BAR4_REGION_INDEX, 7 * MiB, 0xCAFE); // chunk 3, while the guest runs
        write32(src, Vfio.PCI_BAR4_REGION_INDEX, 33 * MiB, 0xF00D); // chunk 16
        write32(src, Vfio.PCI_BAR4_REGION_INDEX, 100 * MiB, 0xBEEF); // a new chunk
        byte[] rest = Migrate.finishStopCopy(src.migration());
        DeviceStateMigration.Progress p = src.migration().progress();
        assertThat(p.memoryRecords() - 20).as("chunks sent again or newly").isEqualTo(3);
        assertThat(p.unchanged()).isEqualTo(18);
        Migrate.resume(dst.migration(), Migrate.concat(pre, rest));
        assertThat(fingerprint(memory(dst))).isEqualTo(fingerprint(m));
        assertThat(read32(dst, Vfio.PCI_BAR4_REGION_INDEX, 100 * MiB)).isEqualTo(0xBEEF);
    }

    @Test
    @DisplayName("MIG-1.8 a reset in progress continues on the destination for the time it had left")
    void mig1_8_readinessResumes() throws Exception {
        GpuOptions o = GpuOptions.defaults().withMemorySize(8 * GiB).withNotReadyAfterReset(Duration.ofSeconds(10));
        FakeTime srcTime = new FakeTime();
        FakeTime dstTime = new FakeTime();
        dstTime.advance(Duration.ofHours(5)); // another host's clock
        NvGraceGpuDevice src = gpu(GpuProfile.GH200, o, srcTime);
        NvGraceGpuDevice dst = gpu(GpuProfile.GH200, o, dstTime);
        write32(src, Vfio.PCI_CONFIG_REGION_INDEX, PciHeader.COMMAND, PciHeader.COMMAND_MEMORY);
        int exp = src.core().capabilities().find(PciHeader.CAP_ID_EXP).orElseThrow();
        write32(
                src,
                Vfio.PCI_CONFIG_REGION_INDEX,
                exp + 8,
                read32(src, Vfio.PCI_CONFIG_REGION_INDEX, exp + 8) | 0x8000);
        write32(src, Vfio.PCI_CONFIG_REGION_INDEX, PciHeader.COMMAND, PciHeader.COMMAND_MEMORY);
        srcTime.advance(Duration.ofSeconds(3));
        assertThat(src.readiness().resetPending()).isTrue();
        Migrate.resume(dst.migration(), Migrate.stopAndCopy(src.migration()));
        assertThat(dst.readiness().resetPending()).isTrue();
        assertThat(read32(dst, Vfio.PCI_BAR0_REGION_INDEX, 0x1498)).isZero();
        dstTime.advance(Duration.ofSeconds(6));
        assertThat(read32(dst, Vfio.PCI_BAR0_REGION_INDEX, 0x1498))
                .as("6 of the 7 s left")
                .isZero();
        dstTime.advance(Duration.ofSeconds(1));
        assertThat(read32(dst, Vfio.PCI_BAR0_REGION_INDEX, 0x1498)).isEqualTo(0xFF);
    }

    @Test
    @DisplayName(
            "MIG-1.9 a GPU whose backing file the destination opens too: the stream has no memory, the destination checks the file")
    void mig1_9_sharedBackingFile() throws Exception {
        Path file = Files.createTempFile("jvfio-mig", ".mem");
        open.add(() -> Files.deleteIfExists(file));
        GpuOptions o = GpuOptions.defaults().withMemorySize(8 * GiB).withBackingFile(file);
        NvGraceGpuDevice src = gpu(GpuProfile.GH200, o.withMigrateSharedMemory(true), new FakeTime());
        touch(memory(src), 0, 4 * MiB, 1);
        List<String> written = fingerprint(memory(src));
        byte[] stream = Migrate.stopAndCopy(src.migration());
        assertThat(stream.length).isLessThan(64 * 1024);
        src.close(); // one device holds a backing file at a time; the stream names the file, not its holder
        NvGraceGpuDevice dst = gpu(GpuProfile.GH200, o, new FakeTime());
        Migrate.resume(dst.migration(), stream);
        assertThat(fingerprint(memory(dst))).isEqualTo(written).isNotEmpty();
        NvGraceGpuDevice memfd = gpu(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(8 * GiB), new FakeTime());
        assertThatThrownBy(() -> Migrate.load(memfd.migration(), stream)).isInstanceOf(VfioException.class);
    }

    @Test
    @DisplayName("MIG-1.7 STOP holds interrupts: a vector raised while stopped stays pending in the PBA until RUNNING")
    void mig1_7_stopHoldsInterrupts() throws Exception {
        NvGraceGpuDevice d = gpu(GpuProfile.GB200, GpuOptions.defaults().withMemorySize(8 * GiB), new FakeTime());
        EventFd fd = program(d);
        open.add(fd);
        write32(d, Vfio.PCI_BAR0_REGION_INDEX, MSIX_TABLE + 16L * 5 + 12, 0); // unmask: the pending vector fires
        assertThat(fd.take()).isEqualTo(1);
        d.migration().transition(MigrationState.RUNNING, MigrationState.STOP);
        assertThat(d.core().triggerMsix(5)).isFalse();
        assertThat(fd.await(Duration.ZERO)).isFalse();
        assertThat(d.core().msixPending(5)).isTrue();
        d.migration().transition(MigrationState.STOP, MigrationState.RUNNING);
        assertThat(fd.take()).isEqualTo(1);
        assertThat(d.core().msixPending(5)).isFalse();
    }
}
