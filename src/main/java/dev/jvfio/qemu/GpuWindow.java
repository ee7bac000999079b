package dev.jvfio.qemu;

import dev.jvfio.hw.Bar0Registers;
import dev.jvfio.units.ByteSize;

/**
 * How much 64-bit prefetchable address space one GPU needs in the guest (NV-8.4).
 *
 * <p>The emulated usemem BAR is the device memory rounded up to a power of two (NV-2.4), the resmem
 * BAR (Grace Hopper) is at most 2 GiB, and the physical function adds small BARs. A bridge window is
 * aligned to its largest BAR, so a window of twice the usemem BAR always holds all of them.
 */
public final class GpuWindow {
    /** The smallest reserve we print, so tiny test devices still get a sensible window. */
    public static final long MINIMUM = 8 * ByteSize.GIB;
    /** arm virt refuses a highmem-mmio-size below its default of 512 GiB (hw/arm/virt.c). */
    static final long VIRT_DEFAULT_HIGHMEM_MMIO = 512 * ByteSize.GIB;

    /**
     * mem-reserve (32-bit non-prefetchable window) of an empty root port a GPU may be hot-added into:
     * twice BAR0 (16 MiB), so a 16 MiB-aligned BAR0 fits wherever the firmware puts the window. A
     * port whose GPU is there at boot needs none (the firmware sizes its window from the BARs), but an
     * empty one gets too little from SeaBIOS: the hot-added GPU's BAR0 was left unassigned ("can't
     * assign; no space", QEMU 11.1, Linux 6.1) while BAR2/BAR4 fit in pref64-reserve.
     */
    public static final long HOTPLUG_MEM_RESERVE = 2 * Bar0Registers.SIZE;

    private GpuWindow() {}

    /** pref64-reserve for the GPU's root port. */
    public static long perGpu(long deviceMemory) {
        if (deviceMemory <= 0) throw new IllegalArgumentException("device memory must be positive");
        return Math.max(MINIMUM, 2 * ByteSize.roundUpPow2(deviceMemory));
    }

    /**
     * q35 pci-hole64-size: every port's window, plus one more window of slack because the hole
     * starts on a 1 GiB boundary while each window wants to be aligned to its own size.
     */
    public static long q35Hole64(int gpus, long deviceMemory) {
        return (gpus + 1L) * perGpu(deviceMemory);
    }

    /** arm virt highmem-mmio-size: a power of two, never below the machine's default. */
    public static long virtHighmemMmio(int gpus, long deviceMemory) {
        return Math.max(VIRT_DEFAULT_HIGHMEM_MMIO, ByteSize.roundUpPow2(q35Hole64(gpus, deviceMemory)));
    }

    /**
     * Guest physical address bits a q35 guest needs for RAM and the 64-bit hole above it (QEMU
     * refuses to start with "phys-bits too low" otherwise): the hole starts above 4 GiB plus the RAM,
     * on a 1 GiB boundary. With an AMD CPU model QEMU keeps clear of the HyperTransport range below
     * 1 TiB (1 TiB - 12 GiB up) by moving high RAM, and so the hole, above 1 TiB; we assume the worst.
     */
    public static int q35PhysBits(long guestRam, int gpus, long deviceMemory) {
        long hole = q35Hole64(gpus, deviceMemory);
        long end = 4 * ByteSize.GIB + guestRam + ByteSize.GIB + hole;
        if (end > ByteSize.TIB - 12 * ByteSize.GIB) end = ByteSize.TIB + guestRam + ByteSize.GIB + hole;
        return 64 - Long.numberOfLeadingZeros(end - 1);
    }
}
