package dev.jvfio.cli;

/**
 * How much 64-bit prefetchable address space one GPU needs in the guest (NV-8.4).
 *
 * <p>The emulated usemem BAR is the device memory rounded up to a power of two (NV-2.4), the resmem
 * BAR (Grace Hopper) is at most 2 GiB, and the physical function adds small BARs. A bridge window is
 * aligned to its largest BAR, so a window of twice the usemem BAR always holds all of them.
 */
public final class GpuWindow {
    /** The smallest reserve we print, so tiny test devices still get a sensible window. */
    static final long MINIMUM = 8 * ByteSize.GIB;
    /** arm virt refuses a highmem-mmio-size below its default of 512 GiB (hw/arm/virt.c). */
    static final long VIRT_DEFAULT_HIGHMEM_MMIO = 512 * ByteSize.GIB;

    private GpuWindow() {}

    /** pref64-reserve for the GPU's root port. */
    public static long perGpu(long deviceMemory) {
        if (deviceMemory <= 0) throw new IllegalArgumentException("device memory must be positive");
        return Math.max(MINIMUM, 2 * ByteSize.roundUpPow2(deviceMemory));
    }

    /** q35 pci-hole64-size: room for every port's window plus the same again for alignment. */
    public static long q35Hole64(int gpus, long deviceMemory) {
        return 2 * ByteSize.roundUpPow2(gpus * perGpu(deviceMemory));
    }

    /** arm virt highmem-mmio-size: a power of two, never below the machine's default. */
    public static long virtHighmemMmio(int gpus, long deviceMemory) {
        return Math.max(VIRT_DEFAULT_HIGHMEM_MMIO, q35Hole64(gpus, deviceMemory));
    }
}
