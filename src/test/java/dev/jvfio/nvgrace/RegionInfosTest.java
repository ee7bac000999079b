package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.Errno;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.Fd;
import dev.jvfio.os.PageSize;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The GET_REGION_INFO answers the variant builds (NV-5.1, NV-5.2, NV-6.3, NV-6.4). */
class RegionInfosTest {
    static final long GiB = 1L << 30;
    // stdin stands in for the memory file; never closed here
    static final Fd FILE = Fd.adopt(0);
    final MemoryLayout layout = MemoryLayout.carve(0, 4 * GiB + 4096, true, CarveRule.CURRENT);

    @Test
    @DisplayName("NV-5.1 BAR4 region info: size = BAR size, flags 0xF, one sparse area {0, length}, file at the slice")
    void nv_5_1_usemem() {
        RegionInfo info = RegionInfos.memoryBar(4, layout.usemem(), FILE, 0, true, PageSize.SIZE_4K);
        assertThat(info.size()).isEqualTo(4 * GiB);
        assertThat(info.flags()).isEqualTo(0xF);
        assertThat(info.sparseAreas()).containsExactly(new SparseArea(0, 3 * GiB));
        assertThat(info.file().fileOffset()).isZero();
        assertThat(info.mappable()).isTrue();
    }

    @Test
    @DisplayName("NV-5.1 BAR2 region info maps the resmem slice: file offset = usemem length")
    void nv_5_1_resmem() {
        MemRegion res = layout.resmem().orElseThrow();
        RegionInfo info = RegionInfos.memoryBar(2, res, FILE, 0, true, PageSize.SIZE_4K);
        assertThat(info.size()).isEqualTo(2 * GiB);
        assertThat(info.sparseAreas()).containsExactly(new SparseArea(0, GiB + 4096));
        assertThat(info.file().fileOffset()).isEqualTo(3 * GiB);
    }

    @ParameterizedTest(name = "page {0}")
    @ValueSource(longs = {4096, 16384, 65536})
    @DisplayName(
            "NV-5.1 sparse areas in whole pages: resmem of 1 GiB + 4 KiB offers 1 GiB + 4 KiB at 4 KiB pages, 1 GiB at 16 and 64 KiB")
    void nv_5_1_areas_in_whole_pages(long page) {
        PageSize p = PageSize.of(page);
        MemRegion res = layout.resmem().orElseThrow();
        RegionInfo info = RegionInfos.memoryBar(2, res, FILE, 0, true, p);
        assertThat(info.sparseAreas()).containsExactly(new SparseArea(0, page == 4096 ? GiB + 4096 : GiB));
        assertThat(p.isAligned(info.file().fileOffset())).isTrue();
        RegionInfo use = RegionInfos.memoryBar(4, layout.usemem(), FILE, 0, true, p);
        assertThat(use.sparseAreas()).containsExactly(new SparseArea(0, 3 * GiB));
        // a memory smaller than one page has nothing mmap-able: trapped, as under STRICT
        MemoryLayout tiny = MemoryLayout.carve(0, 12 * 1024, false, CarveRule.CURRENT);
        RegionInfo small = RegionInfos.memoryBar(4, tiny.usemem(), FILE, 0, true, p);
        assertThat(small.mappable()).isEqualTo(page == 4096);
        assertThat(small.sparseAreas()).hasSize(page == 4096 ? 1 : 0);
    }

    @Test
    @DisplayName("NV-6.3 strict policy: no mmap flag, no sparse areas, no file")
    void nv_6_3_strict_no_mmap() {
        RegionInfo info = RegionInfos.memoryBar(
                4, layout.usemem(), FILE, 0, MemoryEnablePolicy.STRICT.allowsMmap(), PageSize.SIZE_4K);
        assertThat(info.flags()).isEqualTo(Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE);
        assertThat(info.sparseAreas()).isEmpty();
        assertThat(info.file()).isNull();
        assertThat(MemoryEnablePolicy.IGNORE.allowsMmap()).isTrue();
        assertThat(MemoryEnablePolicy.HARDWARE.allowsMmap()).isTrue();
    }

    @Test
    @DisplayName("NV-5.2 only [0, length) is mappable; beyond is EINVAL; offset+size overflow is EOVERFLOW")
    void nv_5_2_mmap_check() {
        MemRegion use = layout.usemem();
        assertThat(RegionInfos.mmapCheck(use, 0, use.length())).isZero();
        assertThat(RegionInfos.mmapCheck(use, 4096, use.length() - 4096)).isZero();
        assertThat(RegionInfos.mmapCheck(use, 4096, use.length())).isEqualTo(Errno.EINVAL);
        assertThat(RegionInfos.mmapCheck(use, use.length(), 4096)).isEqualTo(Errno.EINVAL);
        assertThat(RegionInfos.mmapCheck(use, Long.MAX_VALUE, 4096)).isEqualTo(Errno.EOVERFLOW);
    }

    @Test
    @DisplayName(
            "NV-6.4 region layout: device memory region 9 mmap-only with NVIDIA vendor TYPE, firmware region 10 read-only")
    void nv_6_4_region_layout() {
        RegionInfo mem = RegionInfos.deviceMemory(4 * GiB + 4096, FILE, 0);
        assertThat(mem.index()).isEqualTo(9);
        assertThat(mem.flags() & (Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE))
                .isZero();
        assertThat(mem.flags() & Vfio.REGION_INFO_FLAG_MMAP).isNotZero();
        assertThat(mem.type().type()).isEqualTo(0x8000_10de);
        assertThat(mem.type().subtype()).isEqualTo(DeviceRegions.SUBTYPE_DEVICE_MEMORY);
        RegionInfo fw = RegionInfos.firmwareProperties();
        assertThat(fw.index()).isEqualTo(10);
        assertThat(fw.size()).isEqualTo(32);
        assertThat(fw.flags() & Vfio.REGION_INFO_FLAG_READ).isNotZero();
        assertThat(fw.flags() & (Vfio.REGION_INFO_FLAG_WRITE | Vfio.REGION_INFO_FLAG_MMAP))
                .isZero();
        assertThat(fw.type().subtype()).isEqualTo(DeviceRegions.SUBTYPE_FIRMWARE_PROPERTIES);
    }
}
