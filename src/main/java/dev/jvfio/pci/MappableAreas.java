package dev.jvfio.pci;

import dev.jvfio.device.MappableFile;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.PageSize;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a BAR a client may mmap: its backing's sparse areas minus the pages that hold the MSI-X
 * table and PBA, which stay trapped (as vfio-pci's region-info sparse-mmap capability does; PCI-3.4).
 */
final class MappableAreas {
    private MappableAreas() {}

    /** The region info of BAR slot {@code index} (bar null: absent), mmap-able when its backing offers a file. */
    static RegionInfo regionInfo(int index, PciBar bar, Capability.Msix msix, PageSize pageSize) {
        if (bar == null) {
            return RegionInfo.absent(index);
        }
        int rw = Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE;
        MappableFile file = bar.backing().mappableFile();
        if (file == null) {
            return RegionInfo.trapped(index, bar.size(), rw);
        }
        return RegionInfo.mappable(index, bar.size(), rw, file, of(bar, msix, pageSize));
    }

    /**
     * The areas, cut in pages of the host's size: on a 64 KiB host a BAR smaller than 64 KiB that
     * holds the table is not mmap-able at all, as with the kernel's vfio-pci there.
     */
    static List<SparseArea> of(PciBar bar, Capability.Msix msix, PageSize pageSize) {
        final long PAGE = pageSize.bytes();
        List<SparseArea> areas = bar.backing().sparseAreas();
        if (areas.isEmpty()) {
            areas = List.of(new SparseArea(0, bar.size()));
        }
        if (msix == null) {
            return areas;
        }
        List<long[]> holes = new ArrayList<>();
        if (msix.tableBar() == bar.index()) {
            long s = msix.tableOffset() & -PAGE;
            holes.add(new long[] {s, ((msix.tableOffset() + msix.tableBytes() + PAGE - 1) & -PAGE) - s});
        }
        if (msix.pbaBar() == bar.index()) {
            long s = msix.pbaOffset() & -PAGE;
            holes.add(new long[] {s, ((msix.pbaOffset() + msix.pbaBytes() + PAGE - 1) & -PAGE) - s});
        }
        List<SparseArea> out = new ArrayList<>(areas);
        for (long[] h : holes) {
            List<SparseArea> next = new ArrayList<>();
            for (SparseArea a : out) {
                long aEnd = a.offset() + a.size();
                long hEnd = h[0] + h[1];
                if (hEnd <= a.offset() || h[0] >= aEnd) {
                    next.add(a);
                    continue;
                }
                if (h[0] > a.offset()) {
                    next.add(new SparseArea(a.offset(), h[0] - a.offset()));
                }
                if (hEnd < aEnd) {
                    next.add(new SparseArea(hEnd, aEnd - hEnd));
                }
            }
            out = next;
        }
        return out;
    }
}
