package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.Vfio;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The fixed numbers of the variant and the VFIO ABI numbers it relies on (NV-9). */
class NvGraceConstantsTest {
    @Test
    @DisplayName("NV-9 constants: carve-out, memory block, DVSEC, readiness registers, BAR flags")
    void nv_9_variant_constants() {
        assertThat(NvGraceConstants.RESMEM_SIZE).isEqualTo(0x4000_0000L);
        assertThat(NvGraceConstants.MEMBLK_SIZE).isEqualTo(0x2000_0000L);
        assertThat(NvGraceConstants.GPU_CAP_DVSEC_ID).isEqualTo(3);
        assertThat(NvGraceConstants.DVSEC_BITMAP_OFFSET).isEqualTo(0xA);
        assertThat(NvGraceConstants.MIG_SUPPORTED_WITH_CACHED_RESMEM).isEqualTo(1);
        assertThat(NvGraceConstants.C2C_LINK_BAR0_OFFSET).isEqualTo(0x1498);
        assertThat(NvGraceConstants.HBM_TRAINING_BAR0_OFFSET).isEqualTo(0x200BC);
        assertThat(NvGraceConstants.STATUS_READY).isEqualTo(0xFF);
        assertThat(NvGraceConstants.POLL_QUANTUM).isEqualTo(Duration.ofSeconds(1));
        assertThat(NvGraceConstants.POLL_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
        assertThat(NvGraceConstants.BAR_FLAGS_MEM64_PREFETCH).isEqualTo(0xC);
        assertThat(1L << NvGraceConstants.VFIO_PCI_OFFSET_SHIFT).isEqualTo(0x100_0000_0000L);
    }

    @Test
    @DisplayName("NV-9 VFIO ABI numbers the variant relies on")
    void nv_9_vfio_constants() {
        assertThat(Vfio.PCI_BAR4_REGION_INDEX).isEqualTo(4);
        assertThat(Vfio.PCI_ROM_REGION_INDEX).isEqualTo(6);
        assertThat(Vfio.PCI_CONFIG_REGION_INDEX).isEqualTo(7);
        assertThat(Vfio.PCI_VGA_REGION_INDEX).isEqualTo(8);
        assertThat(Vfio.PCI_NUM_REGIONS).isEqualTo(9);
        assertThat(Vfio.PCI_MSIX_IRQ_INDEX).isEqualTo(2);
        assertThat(Vfio.PCI_REQ_IRQ_INDEX).isEqualTo(4);
        assertThat(Vfio.REGION_INFO_FLAG_READ
                        | Vfio.REGION_INFO_FLAG_WRITE
                        | Vfio.REGION_INFO_FLAG_MMAP
                        | Vfio.REGION_INFO_FLAG_CAPS)
                .isEqualTo(0xF);
        assertThat(Vfio.REGION_INFO_CAP_SPARSE_MMAP).isEqualTo(1);
        assertThat(Vfio.REGION_INFO_CAP_TYPE).isEqualTo(2);
        assertThat(Vfio.REGION_INFO_CAP_MSIX_MAPPABLE).isEqualTo(3);
        assertThat(Vfio.DEVICE_FLAGS_RESET | Vfio.DEVICE_FLAGS_PCI | Vfio.DEVICE_FLAGS_CAPS)
                .isEqualTo(0x83);
        assertThat(Vfio.IRQ_INFO_EVENTFD | Vfio.IRQ_INFO_MASKABLE | Vfio.IRQ_INFO_AUTOMASKED | Vfio.IRQ_INFO_NORESIZE)
                .isEqualTo(0xF);
    }
}
