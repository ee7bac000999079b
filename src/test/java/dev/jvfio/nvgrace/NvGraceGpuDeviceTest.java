package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.hw.GpuSpec;
import dev.jvfio.hw.SimulatedGraceGpu;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.profile.GpuProfile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The variant in-process, over the simulated GPU and the real PCI core (no socket). */
class NvGraceGpuDeviceTest {
    static final long MiB = 1L << 20;
    static final long GiB = 1L << 30;
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** 2.75 GiB GH200: usemem 1.5 GiB in a 2 GiB BAR4, resmem 1.25 GiB in a 2 GiB BAR2. */
    static final long SMALL = 2 * GiB + 768 * MiB;

    final FakeTime time = new FakeTime();
    NvGraceGpuDevice dev;

    @AfterEach
    void close() {
        if (dev != null) {
            dev.close();
        }
    }

    NvGraceGpuDevice gpu(GpuProfile p, GpuOptions o) throws Exception {
        dev = DeviceProfiles.createGpu(p, o.withProfile(p.profileName()), time, time);
        dev.attach(DmaSpace.NONE);
        return dev;
    }

    NvGraceGpuDevice gh200(GpuOptions o) throws Exception {
        return gpu(GpuProfile.GH200, o.withMemorySize(SMALL));
    }

    int cfg32(int off) throws VfioException {
        MemorySegment b = MemorySegment.ofArray(new byte[4]);
        assertThat(dev.read(Vfio.PCI_CONFIG_REGION_INDEX, off, b)).isEqualTo(4);
        return b.get(LE32, 0);
    }

    int cfgWrite32(int off, int v) throws VfioException {
        MemorySegment b = MemorySegment.ofArray(new byte[4]);
        b.set(LE32, 0, v);
        return dev.write(Vfio.PCI_CONFIG_REGION_INDEX, off, b);
    }

    long bar64(int off) throws VfioException {
        return (cfg32(off) & 0xFFFF_FFFFL) | ((long) cfg32(off + 4) << 32);
    }

    void memoryEnable(boolean on) throws VfioException {
        MemorySegment b = MemorySegment.ofArray(new byte[2]);
        dev.read(Vfio.PCI_CONFIG_REGION_INDEX, 4, b);
        short cmd = b.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0);
        b.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) (on ? cmd | 2 : cmd & ~2));
        dev.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, b);
    }

    byte[] read(int region, long off, int n) throws VfioException {
        byte[] out = new byte[n];
        int got = dev.read(region, off, MemorySegment.ofArray(out));
        return got == n ? out : Arrays.copyOf(out, got);
    }

    int write(int region, long off, byte[] data) throws VfioException {
        return dev.write(region, off, MemorySegment.ofArray(data));
    }

    static void assertErrno(int errno, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }

    void flr() throws VfioException {
        int exp = dev.core().capabilities().find(0x10).orElseThrow();
        MemorySegment b = MemorySegment.ofArray(new byte[2]);
        dev.read(Vfio.PCI_CONFIG_REGION_INDEX, exp + 8, b);
        b.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) (b.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0) | 0x8000));
        dev.write(Vfio.PCI_CONFIG_REGION_INDEX, exp + 8, b);
    }

    @Test
    @DisplayName("NV-1.1 identity: vendor 0x10de, each profile's device id, class 0x0302")
    void nv_1_1_identity() throws Exception {
        for (GpuProfile p : GpuProfile.values()) {
            gpu(p, GpuOptions.defaults().withMemorySize(2 * GiB));
            assertThat(cfg32(0)).isEqualTo(p.deviceId() << 16 | 0x10de);
            assertThat(cfg32(8) >>> 8).isEqualTo(0x030200);
            dev.close();
            dev = null;
        }
        assertThat(GpuProfile.GH200.deviceId()).isEqualTo(0x2342);
        assertThat(GpuProfile.GH200_480GB.deviceId()).isEqualTo(0x2345);
        assertThat(GpuProfile.GH200_SKU.deviceId()).isEqualTo(0x2348);
        assertThat(GpuProfile.GB200.deviceId()).isEqualTo(0x2941);
        assertThat(GpuProfile.GB300.deviceId()).isEqualTo(0x31C2);
    }

    @Test
    @DisplayName("NV-2.1 / NV-2.4 the variant carves the firmware's memory: base, size; 1 GiB carve-out on GH200")
    void nv_2_1_firmware_drives_layout() throws Exception {
        gh200(GpuOptions.defaults());
        MemoryLayout l = dev.memoryLayout().orElseThrow();
        assertThat(l.usemem().physBase()).isEqualTo(GpuSpec.DEFAULT_MEM_BASE_PA);
        assertThat(l.usemem().length()).isEqualTo(1536 * MiB);
        assertThat(l.usemem().barSize()).isEqualTo(2 * GiB);
        assertThat(l.resmem().orElseThrow().length()).isEqualTo(GiB + 256 * MiB);
        assertThat(l.resmem().orElseThrow().physBase()).isEqualTo(GpuSpec.DEFAULT_MEM_BASE_PA + 1536 * MiB);
    }

    @Test
    @DisplayName("NV-2.2 firmware size 0 (link down): plain vfio-pci, slots 2/3 the physical BAR, nothing in 4/5")
    void nv_2_2_size_zero() throws Exception {
        gpu(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(0L));
        assertThat(dev.emulating()).isFalse();
        assertThat(dev.regionInfo(4).size()).isZero();
        assertThat(dev.regionInfo(2).size()).isEqualTo(64 * GiB);
        cfgWrite32(0x20, -1);
        assertThat(cfg32(0x20)).isZero();
        cfgWrite32(0x18, -1);
        cfgWrite32(0x1C, -1);
        assertThat(bar64(0x18)).isEqualTo(~(64 * GiB - 1) | 0xC);
    }

    @Test
    @DisplayName("NV-2.2 firmware without memory properties: plain vfio-pci")
    void nv_2_2_properties_missing() throws Exception {
        gpu(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(2 * GiB).withFirmwareProperties(false));
        assertThat(dev.emulating()).isFalse();
        assertThat(dev.regionInfo(4).size()).isZero();
        assertErrno(Errno.EINVAL, () -> read(4, 0, 4));
    }

    @Test
    @DisplayName("NV-2.3 GH200 DVSEC bit clear: carve-out; GB200 DVSEC bit set: no resmem")
    void nv_2_3_dvsec() throws Exception {
        gh200(GpuOptions.defaults());
        assertThat(NvGraceGpuDevice.needsCarveOut(dev.core())).isTrue();
        assertThat(dev.core().findDvsec(0x10de, 3).orElseThrow().read16(0xA) & 1)
                .isZero();
        dev.close();
        gpu(GpuProfile.GB200, GpuOptions.defaults().withMemorySize(2 * GiB));
        assertThat(dev.core().findDvsec(0x10de, 3).orElseThrow().read16(0xA) & 1)
                .isEqualTo(1);
        assertThat(dev.memoryLayout().orElseThrow().resmem()).isEmpty();
    }

    @Test
    @DisplayName("NV-2.5 / NV-3.5 GB200: all memory is usemem in BAR4, slots 2/3 stay the physical BAR")
    void nv_2_5_gb200() throws Exception {
        gpu(GpuProfile.GB200, GpuOptions.defaults().withMemorySize(2 * GiB + 4096));
        MemoryLayout l = dev.memoryLayout().orElseThrow();
        assertThat(l.usemem().length()).isEqualTo(2 * GiB + 4096);
        assertThat(dev.regionInfo(4).size()).isEqualTo(4 * GiB);
        assertThat(dev.regionInfo(2).size()).isEqualTo(64 * GiB);
        assertThat(dev.regionInfo(2).sparseAreas()).isEmpty();
        cfgWrite32(0x18, -1);
        cfgWrite32(0x1C, -1);
        assertThat(bar64(0x18)).isEqualTo(~(64 * GiB - 1) | 0xC);
        cfgWrite32(0x20, -1);
        cfgWrite32(0x24, -1);
        assertThat(bar64(0x20)).isEqualTo(~(4 * GiB - 1) | 0xC);
    }

    @Test
    @DisplayName("NV-3.1 / NV-3.3 BAR2 resmem and BAR4 usemem size by all-ones writes, 64-bit prefetchable")
    void nv_3_3_sizing() throws Exception {
        gh200(GpuOptions.defaults());
        assertThat(cfg32(0x18)).isEqualTo(0xC);
        assertThat(cfg32(0x20)).isEqualTo(0xC);
        for (int off = 0x18; off < 0x28; off += 4) {
            assertThat(cfgWrite32(off, -1)).isEqualTo(4);
        }
        assertThat(bar64(0x18)).isEqualTo(~(2 * GiB - 1) | 0xC);
        assertThat(bar64(0x20)).isEqualTo(~(2 * GiB - 1) | 0xC);
        assertThat(cfg32(0x10) & 0xF).as("BAR0 is the core's").isEqualTo(0x4);
    }

    @Test
    @DisplayName("NV-3.4 a config write spilling out of the BAR range stores only the overlap (short count)")
    void nv_3_4_short_write() throws Exception {
        gh200(GpuOptions.defaults());
        MemorySegment b = MemorySegment.ofArray(new byte[8]);
        b.set(LE64, 0, -1L);
        assertThat(dev.write(Vfio.PCI_CONFIG_REGION_INDEX, 0x14, b)).isEqualTo(4);
        assertThat(cfg32(0x14))
                .as("BAR1 slot untouched: the write was not forwarded")
                .isEqualTo(0);
        assertThat(cfg32(0x18)).isEqualTo((int) (~(2 * GiB - 1) | 0xC));
    }

    @Test
    @DisplayName("NV-3.2 shadows zero at open and on DEVICE_RESET, kept across FLR")
    void nv_3_2_reset_kinds() throws Exception {
        gh200(GpuOptions.defaults());
        cfgWrite32(0x20, 0x8000_0000);
        cfgWrite32(0x24, 0x10);
        flr();
        assertThat(bar64(0x20)).as("FLR keeps the shadow").isEqualTo(0x10_8000_000CL);
        dev.reset();
        assertThat(bar64(0x20)).as("DEVICE_RESET clears it").isEqualTo(0xC);
        cfgWrite32(0x18, 0x8000_0000);
        dev.detach();
        dev.attach(DmaSpace.NONE);
        assertThat(bar64(0x18)).as("open clears it").isEqualTo(0xC);
    }

    @Test
    @DisplayName("NV-4.1 / NV-4.2 trapped access: EINVAL beyond the BAR, clip, 0xFF padding, dropped writes")
    void nv_4_trapped() throws Exception {
        gh200(GpuOptions.defaults());
        assertErrno(Errno.EINVAL, () -> read(4, 2 * GiB, 4));
        assertErrno(Errno.EINVAL, () -> write(2, 2 * GiB, new byte[4]));
        assertThat(read(4, 2 * GiB - 2, 8)).hasSize(2).containsOnly((byte) 0xFF);
        assertThat(write(4, 1536 * MiB - 2, new byte[] {1, 2, 3, 4})).isEqualTo(4);
        assertThat(read(4, 1536 * MiB - 2, 4)).containsExactly(1, 2, -1, -1);
        assertThat(write(2, 1280 * MiB + 8, new byte[] {9})).isEqualTo(1);
        assertThat(read(2, 1280 * MiB + 8, 1)).containsExactly(-1);
        write(2, 0, new byte[] {7, 7});
        assertThat(dev.core().config()).isNotNull();
        assertThat(read(2, 0, 2)).containsExactly(7, 7);
        // resmem sits after usemem in the same memory
        assertThat(dev.memoryLayout().orElseThrow().resmem().orElseThrow().fileOffset())
                .isEqualTo(1536 * MiB);
        assertThat(read(4, 0, 2)).containsExactly(0, 0);
    }

    @Test
    @DisplayName("NV-4.3 policy ignore: memory-enable is never consulted for the emulated BARs")
    void nv_4_3_ignore() throws Exception {
        gh200(GpuOptions.defaults());
        memoryEnable(false);
        assertThat(write(4, 64, new byte[] {5})).isEqualTo(1);
        assertThat(read(4, 64, 1)).containsExactly(5);
        assertErrno(Errno.EIO, () -> read(0, 0, 4)); // BAR0 is a real BAR of the core: gated
    }

    @Test
    @DisplayName("NV-4.4 kernel-exact mode: a resmem access straddling its length returns the in-memory count only")
    void nv_4_4_quirk() throws Exception {
        gh200(GpuOptions.defaults().withKernelExactQuirks(true));
        long len = 1280 * MiB;
        assertThat(read(2, len - 2, 8)).hasSize(2);
        assertThat(write(2, len - 2, new byte[8])).isEqualTo(2);
        assertThat(read(4, 1536 * MiB - 2, 8)).as("usemem has no quirk").hasSize(8);
        dev.close();
        gh200(GpuOptions.defaults());
        assertThat(read(2, len - 2, 8)).hasSize(8);
    }

    @Test
    @DisplayName("NV-4.5 / NV-7.2 first access after reset: EIO with decode off; with decode on it waits for readiness")
    void nv_4_5_readiness_after_reset() throws Exception {
        gh200(GpuOptions.defaults().withNotReadyAfterReset(Duration.ofMillis(3500)));
        write(4, 0, new byte[] {42});
        dev.reset(); // config back to power-on: memory decode off
        assertThat(dev.readiness().resetPending()).isTrue();
        assertErrno(Errno.EIO, () -> read(4, 0, 1));
        assertErrno(Errno.EIO, () -> write(4, 0, new byte[1]));
        memoryEnable(true);
        int before = time.sleeps();
        assertThat(read(4, 0, 1)).as("NV-7.3 reset does not scrub memory").containsExactly(42);
        assertThat(time.sleeps() - before).isEqualTo(4);
        assertThat(dev.readiness().resetPending()).isFalse();
        memoryEnable(false);
        assertThat(read(4, 0, 1)).as("later accesses ignore the bit").containsExactly(42);
    }

    @Test
    @DisplayName("NV-7.1 / NV-7.2 ETIME after 30 s not ready; the flag stays and the next access polls again")
    void nv_7_etime() throws Exception {
        gh200(GpuOptions.defaults().withNotReadyAfterReset(Duration.ofSeconds(45)));
        flr(); // FLR arms the check too
        memoryEnable(true);
        assertErrno(Errno.ETIME, () -> read(4, 0, 1));
        assertThat(dev.readiness().resetPending()).isTrue();
        time.advance(Duration.ofSeconds(20));
        assertThat(read(4, 0, 1)).hasSize(1);
        assertThat(dev.readiness().resetPending()).isFalse();
    }

    @Test
    @DisplayName("NV-7.2 a GPU that is not ready at probe fails to bind (ETIME)")
    void nv_7_2_probe() throws Exception {
        SimulatedGraceGpu gpu = SimulatedGraceGpu.create("probe", GpuSpec.of(0x2342, false, 2 * GiB), time);
        gpu.notReadyFor(Duration.ofMinutes(5));
        var core = gpu.physicalFunction("probe").build();
        NvGraceOptions o = NvGraceOptions.upstream().withReadiness(Duration.ofSeconds(1), Duration.ofSeconds(30), time);
        try {
            assertErrno(Errno.ETIME, () -> NvGraceGpuDevice.probe(core, gpu, o));
        } finally {
            core.close();
            gpu.close();
        }
    }

    @Test
    @DisplayName("NV-5.1 region info: BAR2/BAR4 size = BAR size, flags 0xF, one sparse area; regions 3 and 5 size 0")
    void nv_5_1_region_info() throws Exception {
        gh200(GpuOptions.defaults());
        RegionInfo four = dev.regionInfo(4);
        assertThat(four.size()).isEqualTo(2 * GiB);
        assertThat(four.flags()).isEqualTo(0xF);
        assertThat(four.sparseAreas()).containsExactly(new SparseArea(0, 1536 * MiB));
        assertThat(four.file().fileOffset()).isZero();
        RegionInfo two = dev.regionInfo(2);
        assertThat(two.sparseAreas()).containsExactly(new SparseArea(0, 1280 * MiB));
        assertThat(two.file().fileOffset()).isEqualTo(1536 * MiB);
        assertThat(dev.regionInfo(3).size()).isZero();
        assertThat(dev.regionInfo(5).size()).isZero();
        assertThat(dev.regionInfo(0).size()).isEqualTo(16 * MiB);
    }

    @Test
    @DisplayName("NV-6.2 policy hardware: all ones and dropped writes while decode is off or a reset is in progress")
    void nv_6_2_hardware() throws Exception {
        gh200(GpuOptions.defaults().withPolicy(MemoryEnablePolicy.HARDWARE));
        memoryEnable(true);
        write(4, 0, new byte[] {1});
        memoryEnable(false);
        assertThat(read(4, 0, 2)).containsExactly(-1, -1);
        assertThat(write(4, 0, new byte[] {2})).isEqualTo(1);
        memoryEnable(true);
        assertThat(read(4, 0, 1)).containsExactly(1);
        assertThat(dev.regionInfo(4).mappable()).isTrue();
    }

    @Test
    @DisplayName("NV-6.3 policy strict: EIO while decode is off or in D3hot, and no mmap areas")
    void nv_6_3_strict() throws Exception {
        gh200(GpuOptions.defaults().withPolicy(MemoryEnablePolicy.STRICT));
        assertErrno(Errno.EIO, () -> read(4, 0, 1));
        assertErrno(Errno.EIO, () -> write(2, 0, new byte[1]));
        memoryEnable(true);
        assertThat(write(4, 0, new byte[] {3})).isEqualTo(1);
        assertThat(read(4, 0, 1)).containsExactly(3);
        int pm = dev.core().capabilities().find(0x01).orElseThrow();
        MemorySegment b = MemorySegment.ofArray(new byte[2]);
        b.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 3);
        dev.write(Vfio.PCI_CONFIG_REGION_INDEX, pm + 4, b);
        assertThat(dev.core().inD3Hot()).isTrue();
        assertErrno(Errno.EIO, () -> read(4, 0, 1));
        RegionInfo info = dev.regionInfo(4);
        assertThat(info.flags() & Vfio.REGION_INFO_FLAG_MMAP).isZero();
        assertThat(info.sparseAreas()).isEmpty();
    }

    @Test
    @DisplayName("NV-6.4 region layout: BARs 2..5 size 0, memory region 9 mmap-only, firmware region 10 readable")
    void nv_6_4_region_layout() throws Exception {
        gh200(GpuOptions.defaults().withLayout(RegionLayout.REGION));
        assertThat(dev.info().numRegions()).isEqualTo(11);
        for (int i = 2; i <= 5; i++) {
            assertThat(dev.regionInfo(i).size()).isZero();
        }
        cfgWrite32(0x18, -1);
        cfgWrite32(0x20, -1);
        assertThat(cfg32(0x18)).isZero();
        assertThat(cfg32(0x20)).isZero();
        RegionInfo mem = dev.regionInfo(9);
        assertThat(mem.size()).isEqualTo(SMALL);
        assertThat(mem.type()).isEqualTo(DeviceRegions.DEVICE_MEMORY_TYPE);
        assertThat(mem.mappable()).isTrue();
        assertErrno(Errno.EINVAL, () -> read(9, 0, 4));
        byte[] fw = read(10, 0, 32);
        MemorySegment s = MemorySegment.ofArray(fw);
        assertThat(s.get(LE64, 0)).isEqualTo(GpuSpec.DEFAULT_MEM_BASE_PA);
        assertThat(s.get(LE64, 8)).isEqualTo(SMALL);
        assertThat(s.get(LE64, 16)).isEqualTo(2);
        assertThat(s.get(LE64, 24)).isEqualTo(8);
        assertErrno(Errno.EINVAL, () -> write(10, 0, new byte[1]));
        assertErrno(Errno.EINVAL, () -> read(10, 32, 1));
        assertErrno(Errno.EINVAL, () -> dev.regionInfo(11));
    }
}
