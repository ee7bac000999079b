package dev.jvfio.nvgrace;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.hw.DeviceMemory;
import dev.jvfio.hw.FirmwareProperties;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The {@link RegionLayout#REGION} layout, the alternative upstream argued about (NV-6.4): BARs 2
 * to 5 masked (size 0, no access; their config registers read zero and swallow writes), the whole
 * device memory as an mmap-only device region and the firmware properties as a read-only one
 * ({@link DeviceRegions}); every other region is the core's. Nothing is trapped, so there is no
 * memory-enable gate and no zero-copy read.
 */
final class RegionPresentation implements MemoryPresentation {
    private final VfioPciDevice core;
    private final MemoryLayout layout;
    private final DeviceMemory memory;
    private final FirmwareProperties firmware;
    private final ShadowedConfig config;
    private final Readiness readiness;

    RegionPresentation(
            VfioPciDevice core,
            MemoryLayout layout,
            DeviceMemory memory,
            FirmwareProperties firmware,
            Readiness readiness) {
        this.core = core;
        this.layout = layout;
        this.memory = memory;
        this.firmware = firmware;
        this.config = new ShadowedConfig(core, EmulatedBars.masked());
        this.readiness = readiness;
    }

    @Override
    public Optional<MemoryLayout> layout() {
        return Optional.of(layout);
    }

    /** The two device regions follow the nine PCI regions. */
    @Override
    public DeviceInfo info(DeviceInfo coreInfo) {
        return new DeviceInfo(coreInfo.flags(), DeviceRegions.REGION_COUNT, coreInfo.numIrqs());
    }

    @Override
    public RegionInfo regionInfo(int index) throws VfioException {
        switch (index) {
            case Vfio.PCI_BAR2_REGION_INDEX,
                    Vfio.PCI_BAR3_REGION_INDEX,
                    Vfio.PCI_BAR4_REGION_INDEX,
                    Vfio.PCI_BAR5_REGION_INDEX:
                return RegionInfo.absent(index);
            case DeviceRegions.DEVICE_MEMORY:
                return RegionInfos.deviceMemory(firmware.memSize(), memory.fd(), memory.fileOffset());
            case DeviceRegions.FIRMWARE_PROPERTIES:
                return RegionInfos.firmwareProperties();
            default:
                return core.regionInfo(index);
        }
    }

    @Override
    public int read(int region, long offset, MemorySegment dst) throws VfioException {
        switch (region) {
            case Vfio.PCI_CONFIG_REGION_INDEX -> {
                return config.read(offset, dst);
            }
            case Vfio.PCI_BAR2_REGION_INDEX,
                    Vfio.PCI_BAR3_REGION_INDEX,
                    Vfio.PCI_BAR4_REGION_INDEX,
                    Vfio.PCI_BAR5_REGION_INDEX ->
                throw VfioException.invalid("BAR " + region + " is masked in the region layout");
            case DeviceRegions.DEVICE_MEMORY -> throw VfioException.invalid("the device memory region is mmap-only");
            case DeviceRegions.FIRMWARE_PROPERTIES -> {
                return readFirmwareProperties(offset, dst);
            }
            default -> {
                return core.read(region, offset, dst);
            }
        }
    }

    private int readFirmwareProperties(long offset, MemorySegment dst) throws VfioException {
        if (offset < 0 || offset >= FirmwareProperties.ENCODED_SIZE) {
            throw VfioException.invalid("offset " + offset + " beyond the firmware properties");
        }
        int n = (int) Math.min(dst.byteSize(), FirmwareProperties.ENCODED_SIZE - offset);
        MemorySegment all = MemorySegment.ofArray(firmware.encode());
        MemorySegment.copy(all, offset, dst, 0, n);
        return n;
    }

    /** Always copy: the device memory is mapped, never read through the socket. */
    @Override
    public MemorySegment readView(int region, long offset, long count) {
        return null;
    }

    @Override
    public int write(int region, long offset, MemorySegment src) throws VfioException {
        return switch (region) {
            case Vfio.PCI_CONFIG_REGION_INDEX -> config.write(offset, src);
            case Vfio.PCI_BAR2_REGION_INDEX,
                    Vfio.PCI_BAR3_REGION_INDEX,
                    Vfio.PCI_BAR4_REGION_INDEX,
                    Vfio.PCI_BAR5_REGION_INDEX ->
                throw VfioException.invalid("BAR " + region + " is masked in the region layout");
            case DeviceRegions.DEVICE_MEMORY -> throw VfioException.invalid("the device memory region is mmap-only");
            case DeviceRegions.FIRMWARE_PROPERTIES ->
                throw VfioException.invalid("the firmware properties are read-only");
            default -> core.write(region, offset, src);
        };
    }

    @Override
    public void clearShadows() {
        config.clear();
    }

    /**
     * Nothing in this layout is trapped, so the flag holds back no access; it is set anyway so that
     * the device reports a pending reset the same way in both layouts.
     */
    @Override
    public void resetHappened() {
        readiness.resetHappened();
    }
}
