package dev.jvfio.device;

import java.util.List;

/**
 * What GET_REGION_INFO reports for one region.
 *
 * @param index       region index
 * @param size        region size in bytes (0 for an unimplemented region)
 * @param flags       {@link Vfio#REGION_INFO_FLAG_READ} and friends; CAPS is derived by the encoder
 *                    when {@code sparseAreas} or {@code type} is present, MMAP must be set by the device
 * @param sparseAreas the mmap-able windows, or empty for none; non-empty means a SPARSE_MMAP capability
 * @param type        device-specific region type, or null (a TYPE capability when present)
 * @param file        the file to map when MMAP is set, else null
 */
public record RegionInfo(int index, long size, int flags, List<SparseArea> sparseAreas, RegionType type,
                         MappableFile file) {
    public RegionInfo {
        sparseAreas = List.copyOf(sparseAreas);
    }

    /** A region that does not exist on this device: size 0, no flags. */
    public static RegionInfo absent(int index) {
        return new RegionInfo(index, 0, 0, List.of(), null, null);
    }

    public boolean mappable() {
        return (flags & Vfio.REGION_INFO_FLAG_MMAP) != 0 && file != null;
    }
}
