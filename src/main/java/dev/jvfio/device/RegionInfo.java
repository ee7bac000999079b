package dev.jvfio.device;

import java.util.List;
import java.util.Objects;

/**
 * What GET_REGION_INFO reports for one region. A device makes one by name: {@link #absent},
 * {@link #trapped} (every access is a REGION_READ/WRITE), {@link #mappable} (a file the client may
 * mmap, whole or in sparse areas), refined with {@link #withType} for a device-specific region.
 *
 * @param index       region index
 * @param size        region size in bytes (0 for an unimplemented region)
 * @param flags       {@link Vfio#REGION_INFO_FLAG_READ} and friends; CAPS is derived by the encoder
 *                    when {@code sparseAreas} or {@code type} is present, MMAP must be set by the device
 * @param sparseAreas the mmap-able windows, or empty for none; non-empty means a SPARSE_MMAP capability
 * @param type        device-specific region type, or null (a TYPE capability when present)
 * @param file        the file to map when MMAP is set, else null
 */
public record RegionInfo(
        int index, long size, int flags, List<SparseArea> sparseAreas, RegionType type, MappableFile file) {
    public RegionInfo {
        sparseAreas = List.copyOf(sparseAreas);
    }

    /**
     * A region that does not exist on this device: size 0, no flags.
     *
     * @param index the region index
     * @return the region info
     */
    public static RegionInfo absent(int index) {
        return new RegionInfo(index, 0, 0, List.of(), null, null);
    }

    /**
     * A region served by trapped reads and writes only: nothing to mmap.
     *
     * @param index the region index
     * @param size  its size in bytes
     * @param flags READ, WRITE (and CAPS if the device wants it shown); MMAP is cleared
     * @return the region info
     */
    public static RegionInfo trapped(int index, long size, int flags) {
        return new RegionInfo(index, size, flags & ~Vfio.REGION_INFO_FLAG_MMAP, List.of(), null, null);
    }

    /**
     * A region the client may mmap from {@code file} (region offset X at file offset
     * {@code file.fileOffset() + X}); MMAP is set. With no sparse areas the whole region is mappable.
     *
     * @param index       the region index
     * @param size        its size in bytes
     * @param flags       READ, WRITE (and CAPS if the device wants it shown)
     * @param file        the file to map
     * @param sparseAreas the mmap-able windows (a SPARSE_MMAP capability), or empty for the whole region
     * @return the region info
     */
    public static RegionInfo mappable(
            int index, long size, int flags, MappableFile file, List<SparseArea> sparseAreas) {
        Objects.requireNonNull(file, "file");
        return new RegionInfo(index, size, flags | Vfio.REGION_INFO_FLAG_MMAP, sparseAreas, null, file);
    }

    /**
     * A region wholly mappable from {@code file}; see {@link #mappable(int, long, int, MappableFile, List)}.
     *
     * @param index the region index
     * @param size  its size in bytes
     * @param flags READ, WRITE (and CAPS if the device wants it shown)
     * @param file  the file to map
     * @return the region info
     */
    public static RegionInfo mappable(int index, long size, int flags, MappableFile file) {
        return mappable(index, size, flags, file, List.of());
    }

    /**
     * This region as a device-specific one of {@code regionType} (a TYPE capability).
     *
     * @param regionType the type and subtype
     * @return the region info
     */
    public RegionInfo withType(RegionType regionType) {
        return new RegionInfo(index, size, flags, sparseAreas, Objects.requireNonNull(regionType), file);
    }

    public boolean mappable() {
        return (flags & Vfio.REGION_INFO_FLAG_MMAP) != 0 && file != null;
    }
}
