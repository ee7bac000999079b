package dev.jvfio.nvgrace;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.VfioException;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * No variant (NV-2.2): the firmware gives no memory properties, or a memory size of 0 (the
 * chip-to-chip link is down), so the device is exactly plain vfio-pci. Every request goes to the
 * core, BAR2/3 and BAR4/5 are the physical BARs, and there is nothing to shadow or to gate.
 */
final class PassThroughPresentation implements MemoryPresentation {
    private final VfioPciDevice core;

    PassThroughPresentation(VfioPciDevice core) {
        this.core = core;
    }

    @Override
    public Optional<MemoryLayout> layout() {
        return Optional.empty();
    }

    @Override
    public DeviceInfo info(DeviceInfo coreInfo) {
        return coreInfo;
    }

    @Override
    public RegionInfo regionInfo(int index) throws VfioException {
        return core.regionInfo(index);
    }

    @Override
    public int read(int region, long offset, MemorySegment dst) throws VfioException {
        return core.read(region, offset, dst);
    }

    /** Always copy: the variant offers no zero-copy path for the core's regions. */
    @Override
    public MemorySegment readView(int region, long offset, long count) {
        return null;
    }

    @Override
    public int write(int region, long offset, MemorySegment src) throws VfioException {
        return core.write(region, offset, src);
    }

    @Override
    public void clearShadows() {
        // no emulated BAR registers
    }

    @Override
    public void resetHappened() {
        // no trapped memory access to hold back
    }
}
