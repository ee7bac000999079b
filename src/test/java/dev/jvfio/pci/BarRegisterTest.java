package dev.jvfio.pci;

import static dev.jvfio.pci.TestFunction.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.Errno;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.PageSize;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BarRegisterTest {

    @Test
    @DisplayName("PCI-2.1 a 32-bit memory BAR reads back its size mask and prefetch bit after all ones")
    void pci_2_1_mem32Sizing() throws Exception {
        try (VfioPciDevice d = build()) {
            assertThat(cfg32(d, 0x18)).isEqualTo(0x8);
            cfgWrite(d, 0x18, 4, 0xFFFF_FFFFL);
            assertThat(cfg32(d, 0x18)).isEqualTo(0xFFFF_F008);
            cfgWrite(d, 0x18, 4, 0xFEB0_1234L);
            assertThat(cfg32(d, 0x18)).isEqualTo(0xFEB0_1008);
        }
    }

    @Test
    @DisplayName("PCI-2.2 a 64-bit BAR's upper dword reads back the upper size mask after all ones")
    void pci_2_2_mem64Sizing() throws Exception {
        try (VfioPciDevice d = build()) {
            assertThat(cfg32(d, 0x10)).isEqualTo(0x4);
            cfgWrite(d, 0x10, 4, 0xFFFF_FFFFL);
            cfgWrite(d, 0x14, 4, 0xFFFF_FFFFL);
            assertThat(cfg32(d, 0x10)).isEqualTo(0xFFFF_0004);
            assertThat(cfg32(d, 0x14)).isEqualTo(0xFFFF_FFFF);
            // 8 GiB prefetchable BAR in slots 4/5: low dword has no address bits at all
            cfgWrite(d, 0x20, 8, -1L);
            assertThat(cfg32(d, 0x20)).isEqualTo(0x0000_000C);
            assertThat(cfg32(d, 0x24)).isEqualTo(0xFFFF_FFFE);
            long mask = (read(d, 7, 0x20, 8) & ~0xFL);
            assertThat(~mask + 1).isEqualTo(8L << 30);
        }
    }

    @Test
    @DisplayName("PCI-2.3 an I/O BAR has bit 0 set and reads back its size mask")
    void pci_2_3_ioSizing() throws Exception {
        try (VfioPciDevice d = build()) {
            assertThat(cfg32(d, 0x1C)).isEqualTo(0x1);
            cfgWrite(d, 0x1C, 4, 0xFFFF_FFFFL);
            assertThat(cfg32(d, 0x1C)).isEqualTo(0xFFFF_FFE1);
        }
    }

    @Test
    @DisplayName("PCI-2.4 the ROM BAR reads back its size mask and keeps its enable bit; ROM region is read-only")
    void pci_2_4_rom() throws Exception {
        try (VfioPciDevice d = build()) {
            cfgWrite(d, 0x30, 4, 0xFFFF_FFFEL);
            assertThat(cfg32(d, 0x30)).isEqualTo(0xFFFF_F000);
            cfgWrite(d, 0x30, 4, 0xFFFF_FFFFL);
            assertThat(cfg32(d, 0x30)).isEqualTo(0xFFFF_F001);
            RegionInfo rom = d.regionInfo(Vfio.PCI_ROM_REGION_INDEX);
            assertThat(rom.size()).isEqualTo(0x1000);
            assertThat(rom.flags()).isEqualTo(Vfio.REGION_INFO_FLAG_READ);
            assertThat(read(d, 6, 0, 4)).isZero();
            assertThatThrownBy(() -> write(d, 6, 0, 4, 1)).isInstanceOf(VfioException.class);
        }
    }

    @Test
    @DisplayName("PCI-2.5 region info reports BAR sizes; upper and absent slots are size 0")
    void pci_2_5_regionInfo() throws Exception {
        try (VfioPciDevice d = build()) {
            assertThat(d.regionInfo(0).size()).isEqualTo(0x10000);
            assertThat(d.regionInfo(1).size()).isZero();
            assertThat(d.regionInfo(2).size()).isEqualTo(0x1000);
            assertThat(d.regionInfo(3).size()).isEqualTo(32);
            assertThat(d.regionInfo(4).size()).isEqualTo(8L << 30);
            assertThat(d.regionInfo(5).size()).isZero();
            assertThat(d.regionInfo(8).size()).isZero();
            assertThat(d.regionInfo(0).flags()).isEqualTo(Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE);
            RegionInfo cfg = d.regionInfo(7);
            assertThat(cfg.size()).isEqualTo(4096);
            assertThatThrownBy(() -> d.regionInfo(9)).isInstanceOf(VfioException.class);
            assertThat(d.info().numRegions()).isEqualTo(9);
            assertThat(d.info().flags()).isEqualTo(Vfio.DEVICE_FLAGS_PCI | Vfio.DEVICE_FLAGS_RESET);
        }
    }

    @Test
    @DisplayName("PCI-2.5 a memfd-backed BAR is MMAP with sparse areas that skip the MSI-X table and PBA pages")
    void pci_2_5_sparseAreasSkipMsix() throws Exception {
        try (VfioPciDevice d = VfioPciDevice.builder("m")
                .ids(1, 2)
                .bar(PciBar.mem64(0, 0x10000, RamBacking.memfd("t", 0x10000, 0x10000, PageSize.SIZE_4K)))
                .capability(Capability.Msix.vectors(4).table(0, 0x8000).pba(0, 0x9000))
                .pageSize(PageSize.SIZE_4K)
                .build()) {
            RegionInfo r = d.regionInfo(0);
            assertThat(r.mappable()).isTrue();
            assertThat(r.sparseAreas()).containsExactly(new SparseArea(0, 0x8000), new SparseArea(0xA000, 0x6000));
        }
    }

    @ParameterizedTest(name = "page {0}")
    @ValueSource(longs = {4096, 16384, 65536})
    @DisplayName(
            "PCI-2.5 the MSI-X holes are whole host pages: 4 KiB pages keep 48 KiB of a 64 KiB BAR, 16 KiB pages 48 KiB, 64 KiB pages none")
    void pci_2_5_msixHolesAreHostPages(long page) throws Exception {
        PageSize p = PageSize.of(page);
        try (VfioPciDevice d = VfioPciDevice.builder("m")
                .ids(1, 2)
                .bar(PciBar.mem64(0, 0x20000, RamBacking.memfd("t", 0x20000, 0x20000, p)))
                .capability(Capability.Msix.vectors(4).table(0, 0x8000).pba(0, 0x9000))
                .pageSize(p)
                .build()) {
            RegionInfo r = d.regionInfo(0);
            assertThat(d.pageSize()).isEqualTo(p);
            List<SparseArea> expected = switch ((int) page) {
                case 4096 -> List.of(new SparseArea(0, 0x8000), new SparseArea(0xA000, 0x16000));
                case 16384 -> List.of(new SparseArea(0, 0x8000), new SparseArea(0xC000, 0x14000));
                default -> List.of(new SparseArea(0x10000, 0x10000));
            };
            assertThat(r.sparseAreas()).containsExactlyElementsOf(expected);
            for (SparseArea a : r.sparseAreas()) {
                assertThat(p.isAligned(a.offset()) && p.isAligned(a.size()))
                        .as(a.toString())
                        .isTrue();
            }
        }
    }

    @ParameterizedTest(name = "page {0}")
    @ValueSource(longs = {4096, 16384, 65536})
    @DisplayName(
            "PCI-2.5 RAM offers only whole pages for mmap: 8 KiB of RAM is mmap-able at 4 KiB pages, trapped at 16 and 64 KiB")
    void pci_2_5_ramOffersWholePages(long page) throws Exception {
        RamBacking ram = RamBacking.memfd("r", 0x2000, 0x2000, PageSize.of(page));
        try {
            assertThat(ram.sparseAreas()).isEqualTo(page == 4096 ? List.of(new SparseArea(0, 0x2000)) : List.of());
            assertThat(ram.mappableFile() != null).isEqualTo(page == 4096);
        } finally {
            ram.close();
        }
    }

    @Test
    @DisplayName("PCI-2.6 unimplemented BAR slots read 0 after all-ones writes")
    void pci_2_6_unimplementedBar() throws Exception {
        try (VfioPciDevice d = VfioPciDevice.builder("x")
                .ids(1, 2)
                .bar(PciBar.mem32(0, 0x1000, BarBacking.zeros()))
                .build()) {
            for (int slot = 1; slot < 6; slot++) {
                cfgWrite(d, 0x10 + 4 * slot, 4, 0xFFFF_FFFFL);
                assertThat(cfg32(d, 0x10 + 4 * slot)).isZero();
            }
        }
    }

    @Test
    @DisplayName("PCI-2.7 BAR access outside the BAR or to an absent BAR is EINVAL")
    void pci_2_7_outOfRange() throws Exception {
        try (VfioPciDevice d = build()) {
            enableMemory(d);
            assertThatThrownBy(() -> read(d, 2, 0x1000, 1))
                    .extracting(e -> ((VfioException) e).errno())
                    .isEqualTo(Errno.EINVAL);
            assertThatThrownBy(() -> read(d, 2, 0xFFE, 4))
                    .extracting(e -> ((VfioException) e).errno())
                    .isEqualTo(Errno.EINVAL);
            assertThatThrownBy(() -> read(d, 1, 0, 4))
                    .extracting(e -> ((VfioException) e).errno())
                    .isEqualTo(Errno.EINVAL);
            assertThatThrownBy(() -> read(d, 2, -4, 4))
                    .extracting(e -> ((VfioException) e).errno())
                    .isEqualTo(Errno.EINVAL);
            write(d, 2, 0xFFC, 4, 0xCAFEBABEL);
            assertThat(read(d, 2, 0xFFC, 4)).isEqualTo(0xCAFEBABEL);
        }
    }

    @Test
    @DisplayName("PCI-1.4 config region access outside the space is EINVAL")
    void pci_1_4_configBounds() throws Exception {
        try (VfioPciDevice d = build()) {
            assertThatThrownBy(() -> read(d, 7, 4094, 4))
                    .extracting(e -> ((VfioException) e).errno())
                    .isEqualTo(Errno.EINVAL);
            assertThatThrownBy(() -> read(d, 7, 4096, 1))
                    .extracting(e -> ((VfioException) e).errno())
                    .isEqualTo(Errno.EINVAL);
            assertThat(read(d, 7, 4092, 4)).isZero();
        }
    }

    @Test
    @DisplayName("PCI-1.6 identity header fields are read-only")
    void pci_1_6_identityReadOnly() throws Exception {
        try (VfioPciDevice d = build()) {
            byte[] before = d.config().bytes();
            for (int off : new int[] {0x00, 0x08, 0x0C, 0x2C, 0x34, 0x3C}) {
                cfgWrite(d, off, 4, 0xFFFF_FFFFL);
            }
            assertThat(cfg32(d, 0)).isEqualTo(0x0010_1b36);
            assertThat(cfg32(d, 0x08)).isEqualTo(0x1200_0002);
            assertThat(cfg32(d, 0x0C) & 0x00FF_0000).isZero(); // header type 0
            assertThat(cfg32(d, 0x2C)).isEqualTo(0x1100_1af4);
            assertThat(cfg32(d, 0x34)).isEqualTo(before[0x34] & 0xFF);
            assertThat(cfg32(d, 0x3C) >>> 8 & 0xFF).isEqualTo(1); // pin A; line is writable
            assertThat(cfg32(d, 0x3C) & 0xFF).isEqualTo(0xFF);
        }
    }
}
