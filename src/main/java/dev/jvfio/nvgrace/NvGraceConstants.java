package dev.jvfio.nvgrace;

import java.time.Duration;

/**
 * The fixed numbers of the nvgrace-gpu variant (reference NV-9). They are an ABI between the GPU
 * firmware, the host driver and the guest driver, so they are constants, not options.
 */
final class NvGraceConstants {
    private NvGraceConstants() {}

    /** The uncached carve-out ("resmem") taken from the end of device memory on Grace Hopper. */
    static final long RESMEM_SIZE = 0x4000_0000L; // 1 GiB
    /** Guest memory-hotplug block; usemem is rounded down to it when a carve-out exists. */
    static final long MEMBLK_SIZE = 0x2000_0000L; // 512 MiB

    /** NVIDIA's PCI vendor id, also the DVSEC vendor. */
    static final int NVIDIA_VENDOR_ID = 0x10de;
    /** DVSEC id of the GPU capability structure that carries the MIG bitmap. */
    static final int GPU_CAP_DVSEC_ID = 3;
    /** Offset of the 16-bit capability bitmap inside that DVSEC (from the DVSEC header start). */
    static final int DVSEC_BITMAP_OFFSET = 0xA;
    /** Bitmap bit: MIG works with cached memory, so no uncached carve-out is needed (Blackwell). */
    static final int MIG_SUPPORTED_WITH_CACHED_RESMEM = 1;

    /** BAR0 register that reads {@link #STATUS_READY} once the chip-to-chip link is up. */
    static final long C2C_LINK_BAR0_OFFSET = 0x1498;
    /** BAR0 register that reads {@link #STATUS_READY} once HBM training finished. */
    static final long HBM_TRAINING_BAR0_OFFSET = 0x200BC;

    static final int STATUS_READY = 0xFF;
    static final Duration POLL_QUANTUM = Duration.ofSeconds(1);
    static final Duration POLL_TIMEOUT = Duration.ofSeconds(30);

    /** Low BAR bits reported by the emulated BARs: 64-bit (bit 2) and prefetchable (bit 3). */
    static final long BAR_FLAGS_MEM64_PREFETCH = 0x4 | 0x8;

    /** Config-space offsets of the BAR pairs the variant emulates. */
    static final int PCI_BASE_ADDRESS_2 = 0x18;

    static final int PCI_BASE_ADDRESS_4 = 0x20;

    /** Region offsets inside the kernel's VFIO device file are {@code index << 40} (vfio-user has no use for it). */
    static final int VFIO_PCI_OFFSET_SHIFT = 40;
}
