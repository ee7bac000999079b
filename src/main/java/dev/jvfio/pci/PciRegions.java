package dev.jvfio.pci;

import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.PageSize;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The regions of a function and where an access to each goes (the kernel's {@code vfio_pci_rdwr.c}
 * and the region part of {@code vfio_pci_ioctl_get_region_info}): BARs 0-5 through {@link BarAccess},
 * the ROM, the config space through {@link PciConfigWrites} (whose resets it reports), VGA absent.
 * An off-the-bus function reads all ones and drops writes (PCI-11.2).
 */
final class PciRegions {
    private final VfioPciDevice function;
    private final ConfigSpace config;
    private final PciBar[] bars;
    private final PciRom rom;
    private final Capability.Msix msix;
    private final PageSize pageSize;
    private final FunctionHealth health;
    private final PciConfigWrites configWrites;
    private final PciReset reset;
    private final BarAccess barAccess;
    private final Object lock;

    PciRegions(
            VfioPciDevice function,
            ConfigSpace config,
            PciBar[] bars,
            PciRom rom,
            Capability.Msix msix,
            PageSize pageSize,
            FunctionHealth health,
            PciConfigWrites configWrites,
            PciReset reset,
            BarAccess barAccess,
            Object lock) {
        this.function = function;
        this.config = config;
        this.bars = bars;
        this.rom = rom;
        this.msix = msix;
        this.pageSize = pageSize;
        this.health = health;
        this.configWrites = configWrites;
        this.reset = reset;
        this.barAccess = barAccess;
        this.lock = lock;
    }

    RegionInfo info(int index) throws VfioException {
        if (index < 0 || index >= Vfio.PCI_NUM_REGIONS) {
            throw VfioException.invalid("no region " + index);
        }
        int rw = Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE;
        if (index <= Vfio.PCI_BAR5_REGION_INDEX) {
            return MappableAreas.regionInfo(index, bars[index], msix, pageSize);
        }
        if (index == Vfio.PCI_ROM_REGION_INDEX) {
            return rom == null
                    ? RegionInfo.absent(index)
                    : RegionInfo.trapped(index, rom.size(), Vfio.REGION_INFO_FLAG_READ);
        }
        if (index == Vfio.PCI_CONFIG_REGION_INDEX) {
            return RegionInfo.trapped(index, config.size(), rw);
        }
        return RegionInfo.absent(index);
    }

    int read(int region, long offset, MemorySegment dst) throws VfioException {
        long count = dst.byteSize();
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            BarAccess.checkRange(offset, count, config.size(), "config space");
            if (!health.interceptRead(region, dst)) { // off the bus: all ones (PCI-11.2)
                config.read((int) offset, dst);
            }
            return (int) count;
        }
        if (region >= 0 && region <= Vfio.PCI_BAR5_REGION_INDEX) {
            return barAccess.access(function, region, offset, dst, false);
        }
        if (region == Vfio.PCI_ROM_REGION_INDEX && rom != null) {
            BarAccess.checkRange(offset, count, rom.size(), "ROM");
            health.interceptRead(region, dst);
            return rom.backing().read(offset, dst);
        }
        throw VfioException.invalid("region " + region + " cannot be read");
    }

    int write(int region, long offset, MemorySegment src) throws VfioException {
        long count = src.byteSize();
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            BarAccess.checkRange(offset, count, config.size(), "config space");
            if (health.interceptWrite(region)) {
                return (int) count;
            }
            List<ResetKind> resets;
            synchronized (lock) {
                resets = configWrites.write((int) offset, src);
            }
            for (ResetKind k : resets) {
                reset.notifyListeners(k);
            }
            return (int) count;
        }
        if (region >= 0 && region <= Vfio.PCI_BAR5_REGION_INDEX) {
            return barAccess.access(function, region, offset, src, true);
        }
        throw VfioException.invalid("region " + region + " cannot be written");
    }
}
