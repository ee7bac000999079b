package dev.jvfio.hw;

import dev.jvfio.device.VfioException;
import dev.jvfio.pci.BarBacking;
import dev.jvfio.pci.Capability;
import dev.jvfio.pci.ConfigSpace;
import dev.jvfio.pci.ExtendedCapability;
import dev.jvfio.pci.PciBar;
import dev.jvfio.pci.PciDeviceBuilder;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;

/**
 * The Grace GPU's physical PCI function as the host sees it (reference NV-1, NV-2.3): vendor 0x10de,
 * class 0x0302 (3D controller), a 16 MiB 64-bit register BAR0, the real 64-bit prefetchable BAR in
 * slots 2/3 (NVIDIA's "BAR1", unused for memory once the chip-to-chip link is up), nothing in 4/5,
 * power management, MSI, PCI Express (with FLR) and MSI-X in BAR0, the NVIDIA DVSEC (id 3) whose
 * 16-bit word at +0xA has bit 0 set on Grace Blackwell ("no uncached carve-out needed"), and Advanced
 * Error Reporting (where an injected uncorrectable error shows, docs/faults.md).
 *
 * <p>The capability layout follows a real Hopper GPU (PM 0x40, MSI 0x48, PCIe 0x60, MSI-X 0xB0 with
 * the table at BAR0 + 0xB90000 and the PBA at BAR0 + 0xBA0000).
 */
final class PhysicalFunction {
    private PhysicalFunction() {}

    public static final int CLASS_3D_CONTROLLER = 0x030200;
    /** Size of the physical BAR in slots 2/3. Never backed by memory in this model: reads zero. */
    public static final long PHYSICAL_BAR1_SIZE = 64L << 30;

    public static final int MSIX_VECTORS = 9;
    public static final int MSIX_TABLE_OFFSET = 0xB9_0000;
    public static final int MSIX_PBA_OFFSET = 0xBA_0000;
    /** Payload bytes of the GPU capability DVSEC (after its 10-byte header). */
    public static final int DVSEC_PAYLOAD = 6;

    /** A builder for the function; the caller (the host side) builds its PCI core from it. */
    public static PciDeviceBuilder describe(String name, GpuSpec spec, Bar0Registers bar0) {
        byte[] dvsec = new byte[DVSEC_PAYLOAD];
        // +0xA from the DVSEC start = payload byte 0: the capability bitmap, bit 0 = MIG with cached resmem.
        dvsec[0] = (byte) (spec.migHardwareBugFixed() ? 1 : 0);
        return VfioPciDevice.builder(name)
                .ids(0x10de, spec.deviceId())
                .subsystem(0x10de, spec.subsystemId())
                .revision(0xa1)
                .classCode(CLASS_3D_CONTROLLER)
                .intxPin(1)
                .configSize(ConfigSpace.EXTENDED_SIZE)
                .bar(PciBar.mem64(0, Bar0Registers.SIZE, registers(bar0)))
                .bar(PciBar.mem64(2, PHYSICAL_BAR1_SIZE, BarBacking.zeros()).prefetchable())
                .capability(Capability.PowerManagement.noSoftReset())
                .capability(Capability.Msi.vectors(16).perVectorMasking().address64())
                .capability(Capability.PciExpress.endpoint())
                .capability(Capability.Msix.vectors(MSIX_VECTORS)
                        .table(0, MSIX_TABLE_OFFSET)
                        .pba(0, MSIX_PBA_OFFSET))
                .extendedCapability(new ExtendedCapability.Dvsec(0x10de, 3, dvsec))
                .extendedCapability(new ExtendedCapability.Aer());
    }

    private static BarBacking registers(Bar0Registers bar0) {
        return new BarBacking() {
            @Override
            public int read(long offset, MemorySegment dst) throws VfioException {
                return bar0.read(offset, dst);
            }

            @Override
            public int write(long offset, MemorySegment src) throws VfioException {
                return bar0.write(offset, src);
            }
        };
    }
}
