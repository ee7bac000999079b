package dev.jvfio.nvgrace;

import dev.jvfio.device.Errno;
import dev.jvfio.device.MappableFile;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.hw.FirmwareProperties;
import dev.jvfio.os.Fd;
import dev.jvfio.os.PageSize;
import java.util.List;

/** Builds the GET_REGION_INFO answers the variant owns (reference NV-5.1, NV-6, layout REGION). */
final class RegionInfos {
    private RegionInfos() {}

    static final int READ_WRITE = Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE;

    /**
     * NV-5.1: an emulated memory BAR: size = BAR size, flags READ|WRITE|MMAP|CAPS (0xF), one sparse
     * area {0, length}, the memory file at the slice's offset. Without mmap (policy STRICT): flags
     * READ|WRITE, no areas, no file.
     *
     * <p>The area is cut to whole pages of {@code page}: a firmware memory size that is not a page
     * multiple leaves its last partial page trapped (the kernel refuses a mapping that ends past
     * memlength, NV-5.2, and a mapping always ends on a page). The carve-out's offsets are whole
     * 512 MiB blocks, multiples of every page size. Nothing is left to map: as STRICT.
     */
    static RegionInfo memoryBar(
            int index, MemRegion region, Fd memoryFile, long memoryFileOffset, boolean mmap, PageSize page) {
        long mappable = page.roundDown(region.length());
        if (!mmap || mappable == 0 || !page.isAligned(memoryFileOffset + region.fileOffset())) {
            return RegionInfo.trapped(index, region.barSize(), READ_WRITE);
        }
        return RegionInfo.mappable(
                index,
                region.barSize(),
                READ_WRITE | Vfio.REGION_INFO_FLAG_CAPS,
                new MappableFile(memoryFile, memoryFileOffset + region.fileOffset()),
                List.of(new SparseArea(0, mappable)));
    }

    /** The device memory region of the region layout: mmap-only, TYPE capability, whole memory. */
    static RegionInfo deviceMemory(long size, Fd memoryFile, long memoryFileOffset) {
        return RegionInfo.mappable(
                        DeviceRegions.DEVICE_MEMORY,
                        size,
                        Vfio.REGION_INFO_FLAG_CAPS,
                        new MappableFile(memoryFile, memoryFileOffset))
                .withType(DeviceRegions.DEVICE_MEMORY_TYPE);
    }

    /** The firmware-properties region of the region layout: 32 read-only bytes, TYPE capability. */
    static RegionInfo firmwareProperties() {
        return RegionInfo.trapped(
                        DeviceRegions.FIRMWARE_PROPERTIES,
                        FirmwareProperties.ENCODED_SIZE,
                        Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_CAPS)
                .withType(DeviceRegions.FIRMWARE_PROPERTIES_TYPE);
    }

    /**
     * NV-5.2: the kernel's mmap check for a memory BAR, for clients that ask before mapping:
     * EOVERFLOW when offset + size overflows, EINVAL when the mapping ends beyond the memory length
     * (only [0, length) is mappable). Returns 0 when the mapping is allowed.
     */
    static int mmapCheck(MemRegion region, long offset, long size) {
        if (offset < 0 || size < 0) {
            return Errno.EINVAL;
        }
        long end;
        try {
            end = Math.addExact(offset, size);
        } catch (ArithmeticException e) {
            return Errno.EOVERFLOW;
        }
        return end > region.length() ? Errno.EINVAL : 0;
    }
}
