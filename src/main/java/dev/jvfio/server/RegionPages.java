package dev.jvfio.server;

import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.PageSize;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds the mmap-able part of a region-info reply to whole pages of the server's page size, so a
 * client never maps a partial page (VU-4.2, VU-4.3): the kernel's vfio-pci has the same rule, and
 * on a 16 or 64 KiB host a 4 KiB-granular sparse area would make the client's mmap fail or reach
 * a page it must not (the registers next to a small RAM window, the MSI-X table).
 *
 * <ul>
 *   <li>each sparse area shrinks to the whole pages inside it (start rounded up, end down) and
 *       disappears if none is left; the bytes dropped stay reachable by REGION_READ/WRITE;</li>
 *   <li>if no area is left, or the region's file offset is not page-aligned, the region loses
 *       MMAP and its fd: all of it is trapped (QEMU maps a whole region that has MMAP and no
 *       areas, NV-8.6, so MMAP must not stay without areas).</li>
 * </ul>
 * Devices are expected to lay their regions out in whole pages already (they learn the page size
 * from the same {@link PageSize}); this is the server's guarantee for devices that don't.
 */
final class RegionPages {
    private RegionPages() {}

    static RegionInfo clip(RegionInfo info, PageSize page) {
        if (!info.mappable()) {
            return info;
        }
        if (!page.isAligned(info.file().fileOffset())) {
            return trapped(info);
        }
        List<SparseArea> areas = info.sparseAreas();
        if (areas.isEmpty() || allAligned(areas, page)) {
            return info;
        }
        List<SparseArea> kept = new ArrayList<>(areas.size());
        for (SparseArea a : areas) {
            long start = page.roundUp(a.offset());
            long end = page.roundDown(a.offset() + a.size());
            if (end > start) {
                kept.add(new SparseArea(start, end - start));
            }
        }
        if (kept.isEmpty()) {
            return trapped(info);
        }
        return new RegionInfo(info.index(), info.size(), info.flags(), kept, info.type(), info.file());
    }

    private static boolean allAligned(List<SparseArea> areas, PageSize page) {
        for (SparseArea a : areas) {
            if (!page.isAligned(a.offset()) || !page.isAligned(a.size())) {
                return false;
            }
        }
        return true;
    }

    private static RegionInfo trapped(RegionInfo info) {
        return new RegionInfo(
                info.index(), info.size(), info.flags() & ~Vfio.REGION_INFO_FLAG_MMAP, List.of(), info.type(), null);
    }
}
