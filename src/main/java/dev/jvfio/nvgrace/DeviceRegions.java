package dev.jvfio.nvgrace;

import dev.jvfio.device.RegionType;
import dev.jvfio.device.Vfio;

/**
 * Device-specific regions of the {@link RegionLayout#REGION} layout (NV-6.4). Both carry a VFIO
 * region TYPE capability with NVIDIA's vendor type ({@code VFIO_REGION_TYPE_PCI_VENDOR_TYPE | 0x10de});
 * the subtypes are ours (NVIDIA defines none for this purpose), documented here:
 *
 * <ul>
 *   <li>subtype {@value #SUBTYPE_DEVICE_MEMORY}: the whole coherent device memory, exactly as the
 *       firmware describes it (no carve-out, no power-of-two rounding; the VMM decides). Flags MMAP
 *       only: read/write through the socket fail with EINVAL, the client maps the file.</li>
 *   <li>subtype {@value #SUBTYPE_FIRMWARE_PROPERTIES}: 32 read-only bytes, four little-endian u64:
 *       memory base PA, memory size, first proximity domain, proximity-domain count — what the
 *       VMM needs to build the guest's ACPI description (SRAT generic initiators, _DSD).</li>
 * </ul>
 */
final class DeviceRegions {
    private DeviceRegions() {}

    /** Region index of the device memory in the region layout: right after the nine PCI regions. */
    static final int DEVICE_MEMORY = Vfio.PCI_NUM_REGIONS; // 9
    /** Region index of the firmware properties in the region layout. */
    static final int FIRMWARE_PROPERTIES = Vfio.PCI_NUM_REGIONS + 1; // 10
    /** How many regions the device reports in the region layout. */
    static final int REGION_COUNT = FIRMWARE_PROPERTIES + 1;

    static final int NVIDIA_REGION_TYPE = Vfio.REGION_TYPE_PCI_VENDOR_TYPE | NvGraceConstants.NVIDIA_VENDOR_ID;
    static final int SUBTYPE_DEVICE_MEMORY = 1;
    static final int SUBTYPE_FIRMWARE_PROPERTIES = 2;

    static final RegionType DEVICE_MEMORY_TYPE = new RegionType(NVIDIA_REGION_TYPE, SUBTYPE_DEVICE_MEMORY);
    static final RegionType FIRMWARE_PROPERTIES_TYPE = new RegionType(NVIDIA_REGION_TYPE, SUBTYPE_FIRMWARE_PROPERTIES);
}
