package dev.jvfio.nvgrace;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.hw.DeviceMemory;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The upstream layout ({@link RegionLayout#BAR}): usemem shown as BAR4 and, when carved, resmem as
 * BAR2, as the Linux driver does it.
 *
 * <ul>
 *   <li>config space with the emulated BAR registers ({@link ShadowedConfig}, NV-3);</li>
 *   <li>region info of each memory BAR: size = BAR size, one sparse mmap area over the real memory
 *       and the memory file (NV-5.1, {@link RegionInfos}); the upper halves of the 64-bit BARs,
 *       regions 3 and 5, have size 0 and refuse access;</li>
 *   <li>trapped read/write of the memory BARs ({@link TrappedMemory}, NV-4), each access first
 *       through the {@link MemoryGate} (memory-enable policy NV-6, readiness after reset NV-4.5);</li>
 *   <li>every other region is the core's. Without resmem (NV-2.5, NV-3.5) region 2 is the physical
 *       BAR2 of the core.</li>
 * </ul>
 */
final class BarPresentation implements MemoryPresentation {
    /** NV-5.1: the upper halves of the emulated 64-bit BAR pairs (BAR2/3 and BAR4/5). */
    static final int RESMEM_BAR_UPPER = Vfio.PCI_BAR3_REGION_INDEX;

    static final int USEMEM_BAR_UPPER = Vfio.PCI_BAR5_REGION_INDEX;

    /**
     * One emulated memory BAR: what it shows and the device memory behind it.
     *
     * @param region      the slice of device memory and its BAR size
     * @param memory      that slice, {@code region.length()} bytes
     * @param resmemQuirk NV-4.4 applies (kernel-exact mode, resmem only)
     */
    private record MemoryBar(MemRegion region, MemorySegment memory, boolean resmemQuirk) {}

    private final VfioPciDevice core;
    private final MemoryLayout layout;
    private final DeviceMemory deviceMemory;
    private final ShadowedConfig config;
    private final MemoryGate gate;
    private final Readiness readiness;
    private final boolean mmap;
    private final MemoryBar usemem;
    /** Null when the chip needs no carve-out (NV-2.5): region 2 is then the core's. */
    private final MemoryBar resmem;

    BarPresentation(
            VfioPciDevice core,
            MemoryLayout layout,
            DeviceMemory deviceMemory,
            MemoryGate gate,
            Readiness readiness,
            NvGraceOptions options) {
        this.core = core;
        this.layout = layout;
        this.deviceMemory = deviceMemory;
        this.config = new ShadowedConfig(core, EmulatedBars.over(layout));
        this.gate = gate;
        this.readiness = readiness;
        this.mmap = options.policy().allowsMmap();
        MemorySegment all = deviceMemory.segment();
        this.usemem = new MemoryBar(layout.usemem(), slice(all, layout.usemem()), false);
        this.resmem = layout.resmem()
                .map(r -> new MemoryBar(r, slice(all, r), options.kernelExactQuirks()))
                .orElse(null);
    }

    private static MemorySegment slice(MemorySegment all, MemRegion region) {
        return all.asSlice(region.fileOffset(), region.length());
    }

    /** The emulated memory BAR at a region index, or null when the region is not one. */
    private MemoryBar memoryBar(int region) {
        return switch (region) {
            case MemoryLayout.USEMEM_BAR -> usemem;
            case MemoryLayout.RESMEM_BAR -> resmem;
            default -> null;
        };
    }

    private static boolean upperHalf(int region) {
        return region == RESMEM_BAR_UPPER || region == USEMEM_BAR_UPPER;
    }

    @Override
    public Optional<MemoryLayout> layout() {
        return Optional.of(layout);
    }

    @Override
    public DeviceInfo info(DeviceInfo coreInfo) {
        return coreInfo;
    }

    @Override
    public RegionInfo regionInfo(int index) throws VfioException {
        if (upperHalf(index)) {
            return RegionInfo.absent(index); // NV-5.1
        }
        MemoryBar bar = memoryBar(index);
        if (bar != null) {
            return RegionInfos.memoryBar(
                    index, bar.region(), deviceMemory.fd(), deviceMemory.fileOffset(), mmap, core.pageSize());
        }
        return core.regionInfo(index);
    }

    @Override
    public int read(int region, long offset, MemorySegment dst) throws VfioException {
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            return config.read(offset, dst);
        }
        MemoryBar bar = memoryBar(region);
        if (bar == null) {
            refuseUpperHalf(region);
            return core.read(region, offset, dst);
        }
        MemRegion r = bar.region();
        TrappedMemory.clip(r, offset, dst.byteSize()); // EINVAL beyond the BAR before anything else
        if (gate.answersAsDisabled()) {
            return TrappedMemory.readAllOnes(r, offset, dst);
        }
        return TrappedMemory.read(r, bar.memory(), offset, dst, bar.resmemQuirk());
    }

    /**
     * The BAR memory itself when a trapped read would copy all of it unchanged: an emulated memory
     * BAR, the whole access inside device memory (nothing clipped, no all-ones tail) and the gate
     * letting it through (same checks, same errors as {@link #read}). Anything else is null.
     */
    @Override
    public MemorySegment readView(int region, long offset, long count) throws VfioException {
        MemoryBar bar = memoryBar(region);
        if (bar == null) {
            return null;
        }
        MemRegion r = bar.region();
        int clipped = TrappedMemory.clip(r, offset, count); // EINVAL beyond the BAR, as read()
        if (clipped != count || offset + count > r.length()) {
            return null; // clipped or partly beyond memory: read() fills and clips
        }
        if (gate.answersAsDisabled()) {
            return null; // all ones: read() answers
        }
        return bar.memory().asSlice(offset, count);
    }

    @Override
    public int write(int region, long offset, MemorySegment src) throws VfioException {
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            return config.write(offset, src);
        }
        MemoryBar bar = memoryBar(region);
        if (bar == null) {
            refuseUpperHalf(region);
            return core.write(region, offset, src);
        }
        MemRegion r = bar.region();
        TrappedMemory.clip(r, offset, src.byteSize());
        if (gate.answersAsDisabled()) {
            return TrappedMemory.dropWrite(r, offset, src);
        }
        return TrappedMemory.write(r, bar.memory(), offset, src, bar.resmemQuirk());
    }

    private static void refuseUpperHalf(int region) throws VfioException {
        if (upperHalf(region)) {
            throw VfioException.invalid("region " + region + " has size 0");
        }
    }

    @Override
    public EmulatedBars emulatedBars() {
        return config.bars();
    }

    @Override
    public void clearShadows() {
        config.clear();
    }

    @Override
    public void resetHappened() {
        readiness.resetHappened();
    }
}
