package dev.jvfio.nvgrace;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.hw.DeviceMemory;
import dev.jvfio.hw.FirmwareProperties;
import dev.jvfio.hw.GpuHardware;
import dev.jvfio.pci.ResetKind;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The nvgrace-gpu vfio-pci variant: wraps the PCI core of the GPU's physical function and delegates to
 * it, the way the kernel driver calls vfio_pci_core_*, overriding what the driver overrides:
 *
 * <ul>
 *   <li>config reads/writes that overlap the emulated BAR registers (NV-3, {@link EmulatedBars});</li>
 *   <li>region info of BAR2 (resmem, if carved) and BAR4 (usemem): size = BAR size, one sparse mmap
 *       area of the real memory, the memory file for zero-copy mapping; regions 3 and 5 size 0 (NV-5);</li>
 *   <li>trapped read/write of those BARs (NV-4, {@link TrappedMemory}), gated by the
 *       {@link MemoryEnablePolicy} and, after any reset, by the readiness check (NV-4.5, NV-7;
 *       {@link MemoryGate});</li>
 *   <li>in the {@link RegionLayout#REGION} alternative, BARs 2-5 masked and the memory served as
 *       device regions instead ({@link RegionLayoutAccess});</li>
 *   <li>shadows cleared at attach (open) and DEVICE_RESET, not FLR (NV-3.2).</li>
 * </ul>
 *
 * There are no ioeventfds (NV-5.4): the device API offers none and the variant adds none.
 *
 * <p>When the firmware gives no memory properties, or a size of 0, the variant is transparent:
 * everything goes to the core, exactly plain vfio-pci (NV-2.2). The GPU must be ready at creation
 * (probe, NV-7.2) or creation fails with ETIME.
 */
public final class NvGraceGpuDevice implements VfioDevice {
    private final VfioPciDevice core;
    private final GpuHardware hw;
    private final NvGraceOptions options;
    private final Readiness readiness;
    /** Null in pass-through mode (NV-2.2). */
    private final MemoryLayout layout;
    private final EmulatedBars bars;
    /** The memory-enable policy and readiness check of trapped BAR access; null in pass-through mode. */
    private final MemoryGate gate;
    /** The rejected alternative's regions (NV-6.4); null unless emulating with {@link RegionLayout#REGION}. */
    private final RegionLayoutAccess regionLayout;
    private final DeviceMemory memory;
    private final MemorySegment usemem;
    private final MemorySegment resmem;
    private volatile boolean closed;

    private NvGraceGpuDevice(VfioPciDevice core, GpuHardware hw, NvGraceOptions options, Readiness readiness,
                             MemoryLayout layout, DeviceMemory memory, FirmwareProperties firmware) {
        this.core = core;
        this.hw = hw;
        this.options = options;
        this.readiness = readiness;
        this.layout = layout;
        this.memory = memory;
        if (layout == null) {
            bars = null;
            gate = null;
            regionLayout = null;
            usemem = null;
            resmem = null;
        } else {
            gate = new MemoryGate(core, hw, options.policy(), readiness);
            regionLayout = options.layout() == RegionLayout.REGION ? new RegionLayoutAccess(core, memory, firmware) : null;
            bars = options.layout() == RegionLayout.REGION ? EmulatedBars.masked() : EmulatedBars.over(layout);
            MemorySegment all = memory.segment();
            usemem = all.asSlice(layout.usemem().fileOffset(), layout.usemem().length());
            resmem = layout.resmem().map(r -> all.asSlice(r.fileOffset(), r.length())).orElse(null);
        }
        core.addResetListener(this::onCoreReset);
    }

    /**
     * Probes the GPU like the driver: waits for readiness (ETIME if it never comes), reads the firmware
     * properties, detects the carve-out need from the DVSEC and carves device memory.
     *
     * @param core the PCI core over the physical function (this device takes ownership)
     * @param hw   the hardware under it (this device takes ownership)
     * @throws VfioException ETIME when the GPU is not ready (NV-7.2), EINVAL when the memory cannot be
     *                       carved (NV-2.4: usemem would be empty)
     */
    public static NvGraceGpuDevice probe(VfioPciDevice core, GpuHardware hw, NvGraceOptions options) throws VfioException {
        Readiness readiness = new Readiness(hw::readBar0, options.readinessPoll(), options.readinessTimeout(), options.clock());
        readiness.awaitReady();
        Optional<FirmwareProperties> fw = hw.firmwareProperties();
        Optional<DeviceMemory> mem = hw.deviceMemory();
        if (fw.isEmpty() || fw.get().memSize() == 0 || mem.isEmpty()) {
            return new NvGraceGpuDevice(core, hw, options, readiness, null, null, fw.orElse(null));
        }
        if (mem.get().size() < fw.get().memSize()) {
            throw VfioException.invalid("device memory smaller than the firmware says");
        }
        boolean carveOut = needsCarveOut(core);
        MemoryLayout layout;
        try {
            layout = MemoryLayout.carve(fw.get().memBasePa(), fw.get().memSize(), carveOut, options.carveRule());
        } catch (IllegalArgumentException e) {
            throw VfioException.invalid(e.getMessage());
        }
        return new NvGraceGpuDevice(core, hw, options, readiness, layout, mem.get(), fw.get());
    }

    /** NV-2.3: carve-out needed unless the NVIDIA DVSEC id 3 has bit 0 of its word at +0xA set. */
    static boolean needsCarveOut(VfioPciDevice core) {
        return core.findDvsec(NvGraceConstants.NVIDIA_VENDOR_ID, NvGraceConstants.GPU_CAP_DVSEC_ID)
                .map(d -> (d.read16(NvGraceConstants.DVSEC_BITMAP_OFFSET)
                        & NvGraceConstants.MIG_SUPPORTED_WITH_CACHED_RESMEM) == 0)
                .orElse(true);
    }

    private void onCoreReset(ResetKind kind) {
        // Any reset (FLR through config space or DEVICE_RESET) resets the hardware and arms the lazy
        // readiness check of NV-4.5. Only DEVICE_RESET clears the shadows, in reset() below.
        hw.functionReset();
        if (layout != null) {
            readiness.resetHappened();
        }
    }

    // ================================================================ queries for tests and tools

    /** The carve-out, or empty in pass-through mode (NV-2.2). */
    public Optional<MemoryLayout> memoryLayout() {
        return Optional.ofNullable(layout);
    }

    public boolean emulating() {
        return layout != null;
    }

    public NvGraceOptions options() {
        return options;
    }

    public VfioPciDevice core() {
        return core;
    }

    public Readiness readiness() {
        return readiness;
    }

    // ================================================================ VfioDevice

    @Override
    public String name() {
        return core.name();
    }

    @Override
    public DeviceInfo info() {
        DeviceInfo base = core.info();
        if (layout != null && options.layout() == RegionLayout.REGION) {
            return new DeviceInfo(base.flags(), DeviceRegions.FIRMWARE_PROPERTIES + 1, base.numIrqs());
        }
        return base;
    }

    @Override
    public RegionInfo regionInfo(int index) throws VfioException {
        if (layout == null) {
            return core.regionInfo(index);
        }
        if (regionLayout != null) {
            return regionLayout.regionInfo(index);
        }
        if (index == 3 || index == 5) {
            return RegionInfo.absent(index); // NV-5.1: the upper halves of the emulated 64-bit BARs
        }
        Optional<MemRegion> region = layout.forRegion(index);
        if (region.isPresent()) {
            return RegionInfos.memoryBar(index, region.get(), memory.fd(), memory.fileOffset(),
                    options.policy().allowsMmap(), core.pageSize());
        }
        return core.regionInfo(index);
    }

    @Override
    public int read(int region, long offset, MemorySegment dst) throws VfioException {
        checkOpen();
        if (layout == null) {
            return core.read(region, offset, dst);
        }
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            int n = core.read(region, offset, dst);
            bars.overlayRead(offset, dst.asSlice(0, n));
            return n;
        }
        if (regionLayout != null) {
            return regionLayout.read(region, offset, dst);
        }
        Optional<MemRegion> mr = layout.forRegion(region);
        if (mr.isEmpty()) {
            if (region == 3 || region == 5) {
                throw VfioException.invalid("region " + region + " has size 0");
            }
            return core.read(region, offset, dst);
        }
        MemRegion r = mr.get();
        TrappedMemory.clip(r, offset, dst.byteSize()); // EINVAL beyond the BAR before anything else
        if (gate.answersAsDisabled()) {
            return TrappedMemory.readAllOnes(r, offset, dst);
        }
        return TrappedMemory.read(r, slice(region), offset, dst, quirk(region));
    }

    /**
     * The BAR memory itself when a trapped read would copy all of it unchanged: BAR layout, an
     * emulated memory BAR, the whole access inside device memory (nothing clipped, no all-ones
     * tail) and the memory-enable policy letting it through (same checks, same errors as
     * {@link #read}). Anything else returns null and goes through {@link #read}.
     */
    @Override
    public MemorySegment readView(int region, long offset, long count) throws VfioException {
        checkOpen();
        if (layout == null || region == Vfio.PCI_CONFIG_REGION_INDEX || options.layout() != RegionLayout.BAR) {
            return null;
        }
        Optional<MemRegion> mr = layout.forRegion(region);
        if (mr.isEmpty()) {
            return null;
        }
        MemRegion r = mr.get();
        int clipped = TrappedMemory.clip(r, offset, count); // EINVAL beyond the BAR, as read()
        if (clipped != count || offset + count > r.length()) {
            return null; // clipped or partly beyond memory: read() fills and clips
        }
        if (gate.answersAsDisabled()) {
            return null; // all ones: read() answers
        }
        return slice(region).asSlice(offset, count);
    }

    @Override
    public int write(int region, long offset, MemorySegment src) throws VfioException {
        checkOpen();
        if (layout == null) {
            return core.write(region, offset, src);
        }
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            if (offset >= 0 && offset < Integer.MAX_VALUE) {
                int absorbed = bars.absorbWrite(offset, src);
                if (absorbed >= 0) {
                    return absorbed; // NV-3.4: stored in the shadow, not forwarded
                }
            }
            return core.write(region, offset, src);
        }
        if (regionLayout != null) {
            return regionLayout.write(region, offset, src);
        }
        Optional<MemRegion> mr = layout.forRegion(region);
        if (mr.isEmpty()) {
            if (region == 3 || region == 5) {
                throw VfioException.invalid("region " + region + " has size 0");
            }
            return core.write(region, offset, src);
        }
        MemRegion r = mr.get();
        TrappedMemory.clip(r, offset, src.byteSize());
        if (gate.answersAsDisabled()) {
            return TrappedMemory.dropWrite(r, offset, src);
        }
        return TrappedMemory.write(r, slice(region), offset, src, quirk(region));
    }

    private MemorySegment slice(int region) {
        return region == Vfio.PCI_BAR4_REGION_INDEX ? usemem : resmem;
    }

    private boolean quirk(int region) {
        return options.kernelExactQuirks() && region == Vfio.PCI_BAR2_REGION_INDEX;
    }

    @Override
    public IrqInfo irqInfo(int index) throws VfioException {
        return core.irqInfo(index);
    }

    @Override
    public void setIrqs(IrqSet request) throws VfioException {
        core.setIrqs(request);
    }

    /** DEVICE_RESET: NV-3.2 shadows cleared, then the core's reset (which tells our listener). */
    @Override
    public void reset() throws VfioException {
        checkOpen();
        if (bars != null) {
            bars.clear();
        }
        core.reset();
    }

    /** Open: NV-3.2 shadows start at zero for every client. */
    @Override
    public void attach(DmaSpace dma) {
        if (bars != null) {
            bars.clear();
        }
        core.attach(dma);
    }

    /** The core does the device's DMA (its copy engine), so it hears of the client's windows. */
    @Override
    public void dmaMapped(long iova, long size, boolean readable, boolean writable) {
        core.dmaMapped(iova, size, readable, writable);
    }

    @Override
    public void dmaUnmapping(long iova, long size) {
        core.dmaUnmapping(iova, size);
    }

    @Override
    public void detach() {
        core.detach();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        core.close();
        hw.close();
    }

    private void checkOpen() throws VfioException {
        if (closed) {
            throw new VfioException(Errno.ENODEV, "device closed");
        }
    }

    @Override
    public String toString() {
        return "NvGraceGpuDevice[" + name() + (layout == null ? ", pass-through" : ", " + layout) + "]";
    }
}
