package dev.jvfio.nvgrace;

import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.VfioException;
import dev.jvfio.hw.DeviceMemory;
import dev.jvfio.hw.FirmwareProperties;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;

/**
 * The regions of the {@link RegionLayout#REGION} layout, the alternative upstream argued about
 * (NV-6.4): BARs 2 to 5 masked (size 0, no access), the whole device memory as an mmap-only device
 * region and the firmware properties as a read-only one ({@link DeviceRegions}); every other
 * region is the core's.
 */
final class RegionLayoutAccess {
    private final VfioPciDevice core;
    private final DeviceMemory memory;
    private final FirmwareProperties firmware;

    RegionLayoutAccess(VfioPciDevice core, DeviceMemory memory, FirmwareProperties firmware) {
        this.core = core;
        this.memory = memory;
        this.firmware = firmware;
    }

    RegionInfo regionInfo(int index) throws VfioException {
        switch (index) {
            case 2, 3, 4, 5:
                return RegionInfo.absent(index);
            case DeviceRegions.DEVICE_MEMORY:
                return RegionInfos.deviceMemory(firmware.memSize(), memory.fd(), memory.fileOffset());
            case DeviceRegions.FIRMWARE_PROPERTIES:
                return RegionInfos.firmwareProperties();
            default:
                return core.regionInfo(index);
        }
    }

    int read(int region, long offset, MemorySegment dst) throws VfioException {
        switch (region) {
            case 2, 3, 4, 5 -> throw VfioException.invalid("BAR " + region + " is masked in the region layout");
            case DeviceRegions.DEVICE_MEMORY -> throw VfioException.invalid("the device memory region is mmap-only");
            case DeviceRegions.FIRMWARE_PROPERTIES -> {
                if (offset < 0 || offset >= FirmwareProperties.ENCODED_SIZE) {
                    throw VfioException.invalid("offset " + offset + " beyond the firmware properties");
                }
                int n = (int) Math.min(dst.byteSize(), FirmwareProperties.ENCODED_SIZE - offset);
                MemorySegment all = MemorySegment.ofArray(firmware.encode());
                MemorySegment.copy(all, offset, dst, 0, n);
                return n;
            }
            default -> {
                return core.read(region, offset, dst);
            }
        }
    }

    int write(int region, long offset, MemorySegment src) throws VfioException {
        return switch (region) {
            case 2, 3, 4, 5 -> throw VfioException.invalid("BAR " + region + " is masked in the region layout");
            case DeviceRegions.DEVICE_MEMORY -> throw VfioException.invalid("the device memory region is mmap-only");
            case DeviceRegions.FIRMWARE_PROPERTIES -> throw VfioException.invalid("the firmware properties are read-only");
            default -> core.write(region, offset, src);
        };
    }
}
