package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.profile.GpuProfile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The per-layout paths of the device that the other tests do not reach: the zero-copy read view of
 * the BAR layout (NV-4.1: only what a trapped read would copy unchanged), the upper halves of the
 * emulated 64-bit BARs (NV-5.1), and that pass-through and the region layout never trap (NV-2.2,
 * NV-6.4).
 */
class MemoryPresentationTest {
    static final long MiB = 1L << 20;
    static final long GiB = 1L << 30;
    /** usemem 1.5 GiB in a 2 GiB BAR4, resmem 1.25 GiB in a 2 GiB BAR2. */
    static final long SMALL = 2 * GiB + 768 * MiB;

    static final long USE_LEN = 1536 * MiB;
    static final int BAR2 = Vfio.PCI_BAR2_REGION_INDEX;
    static final int BAR3 = Vfio.PCI_BAR3_REGION_INDEX;
    static final int BAR4 = Vfio.PCI_BAR4_REGION_INDEX;
    static final int BAR5 = Vfio.PCI_BAR5_REGION_INDEX;
    static final int CFG = Vfio.PCI_CONFIG_REGION_INDEX;

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

    void memoryEnable(boolean on) throws VfioException {
        MemorySegment b = MemorySegment.ofArray(new byte[2]);
        dev.read(CFG, 4, b);
        short cmd = b.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0);
        b.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) (on ? cmd | 2 : cmd & ~2));
        dev.write(CFG, 4, b);
    }

    static void assertErrno(int errno, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }

    @Test
    @DisplayName("NV-4.1 read view: the memory itself when the whole access lies in device memory, else null")
    void nv_4_1_read_view_only_for_plain_memory() throws Exception {
        gpu(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(SMALL));
        dev.write(BAR4, USE_LEN - 4, MemorySegment.ofArray(new byte[] {1, 2, 3, 4}));
        dev.write(BAR2, 0, MemorySegment.ofArray(new byte[] {9}));

        assertThat(dev.readView(BAR4, USE_LEN - 4, 4).toArray(ValueLayout.JAVA_BYTE))
                .containsExactly(1, 2, 3, 4);
        assertThat(dev.readView(BAR2, 0, 1).toArray(ValueLayout.JAVA_BYTE)).containsExactly(9);
        assertThat(dev.readView(BAR4, USE_LEN - 4, 8))
                .as("tail reads 0xFF: copied by read")
                .isNull();
        assertThat(dev.readView(BAR4, 2 * GiB - 4, 8))
                .as("clipped at the BAR end")
                .isNull();
        assertThat(dev.readView(CFG, 0, 4)).as("config space is patched").isNull();
        assertThat(dev.readView(Vfio.PCI_BAR0_REGION_INDEX, 0, 4))
                .as("the core's BAR0")
                .isNull();
        assertErrno(Errno.EINVAL, () -> dev.readView(BAR4, 2 * GiB, 4));
        dev.close();
        assertErrno(Errno.ENODEV, () -> dev.readView(BAR4, 0, 4));
    }

    @Test
    @DisplayName(
            "NV-6.2 / NV-6.3 read view follows the policy: null where hardware answers all ones, EIO where strict refuses")
    void nv_6_read_view_follows_the_policy() throws Exception {
        gpu(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(SMALL).withPolicy(MemoryEnablePolicy.HARDWARE));
        memoryEnable(false);
        assertThat(dev.readView(BAR4, 0, 4))
                .as("decode off: all ones, answered by read")
                .isNull();
        memoryEnable(true);
        assertThat(dev.readView(BAR4, 0, 4)).isNotNull();
        dev.close();
        gpu(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(SMALL).withPolicy(MemoryEnablePolicy.STRICT));
        assertErrno(Errno.EIO, () -> dev.readView(BAR4, 0, 4));
    }

    @Test
    @DisplayName("NV-5.1 BAR layout: regions 3 and 5 (upper halves) have size 0 and refuse read and write")
    void nv_5_1_upper_halves_refuse_access() throws Exception {
        gpu(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(SMALL));
        for (int upper : new int[] {BAR3, BAR5}) {
            assertThat(dev.regionInfo(upper).size()).isZero();
            assertErrno(Errno.EINVAL, () -> dev.read(upper, 0, MemorySegment.ofArray(new byte[4])));
            assertErrno(Errno.EINVAL, () -> dev.write(upper, 0, MemorySegment.ofArray(new byte[4])));
        }
    }

    @Test
    @DisplayName("NV-3.5 GB200 without resmem: region 2 is the core's physical BAR, region 3 still size 0")
    void nv_3_5_no_resmem_region_2_is_the_cores() throws Exception {
        gpu(GpuProfile.GB200, GpuOptions.defaults().withMemorySize(2 * GiB));
        assertThat(dev.regionInfo(BAR2).size())
                .isEqualTo(dev.core().regionInfo(BAR2).size());
        assertThat(dev.regionInfo(BAR2).mappable()).isFalse();
        assertThat(dev.regionInfo(BAR3).size()).isZero();
        assertThat(dev.readView(BAR2, 0, 4)).isNull();
    }

    @Test
    @DisplayName("NV-2.2 pass-through: no layout, every region the core's, no read view")
    void nv_2_2_pass_through_never_traps() throws Exception {
        gpu(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(0L));
        assertThat(dev.emulating()).isFalse();
        assertThat(dev.memoryLayout()).isEmpty();
        assertThat(dev.toString()).contains("pass-through");
        assertThat(dev.info()).isEqualTo(dev.core().info());
        for (int i = 0; i < Vfio.PCI_NUM_REGIONS; i++) {
            assertThat(dev.regionInfo(i))
                    .as("region %d", i)
                    .isEqualTo(dev.core().regionInfo(i));
        }
        memoryEnable(true);
        assertThat(dev.readView(Vfio.PCI_BAR0_REGION_INDEX, 0, 4)).isNull();
        dev.reset();
        assertThat(dev.readiness().resetPending())
                .as("nothing is trapped, nothing waits")
                .isFalse();
    }

    @Test
    @DisplayName("NV-6.4 region layout: eleven regions, no read view, a reset still marks readiness pending")
    void nv_6_4_region_layout_never_traps() throws Exception {
        gpu(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(SMALL).withLayout(RegionLayout.REGION));
        assertThat(dev.emulating()).isTrue();
        assertThat(dev.info().numRegions())
                .isEqualTo(DeviceRegions.REGION_COUNT)
                .isEqualTo(11);
        assertThat(dev.readView(DeviceRegions.DEVICE_MEMORY, 0, 4)).isNull();
        assertThat(dev.readView(DeviceRegions.FIRMWARE_PROPERTIES, 0, 4)).isNull();
        assertErrno(Errno.EINVAL, () -> dev.write(DeviceRegions.DEVICE_MEMORY, 0, MemorySegment.ofArray(new byte[4])));
        dev.reset();
        assertThat(dev.readiness().resetPending()).isTrue();
    }
}
