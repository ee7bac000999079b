package dev.jvfio.nvgrace;

import dev.jvfio.device.DeviceEvents;
import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.DeviceStatus;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.device.FaultInjection;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.devicestate.DeviceStateMigration;
import dev.jvfio.hw.DeviceMemory;
import dev.jvfio.hw.FirmwareProperties;
import dev.jvfio.hw.GpuHardware;
import dev.jvfio.pci.ResetKind;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The nvgrace-gpu vfio-pci variant: wraps the PCI core of the GPU's physical function and delegates to
 * it, the way the kernel driver calls vfio_pci_core_*, overriding what the driver overrides. What it
 * overrides depends on how device memory is presented, chosen once at probe (NV-2.2, NV-6.4):
 *
 * <ul>
 *   <li>pass-through: the firmware gives no memory properties, or a size of 0, so the variant is
 *       transparent and everything goes to the core, exactly plain vfio-pci (NV-2.2);</li>
 *   <li>{@link RegionLayout#BAR} (upstream): the emulated BAR2/BAR4 registers in config space (NV-3),
 *       their region info with one sparse mmap area and the memory file (NV-5), trapped read/write
 *       (NV-4) gated by the {@link MemoryEnablePolicy} and, after any reset, by the readiness check
 *       (NV-4.5, NV-6, NV-7);</li>
 *   <li>{@link RegionLayout#REGION}: BARs 2-5 masked and the memory served as device-specific
 *       regions instead (NV-6.4).</li>
 * </ul>
 *
 * In both emulating layouts the BAR shadows are cleared at attach (open) and DEVICE_RESET, not FLR
 * (NV-3.2). There are no ioeventfds (NV-5.4): the device API offers none and the variant adds none.
 * The GPU must be ready at creation (probe, NV-7.2) or creation fails with ETIME.
 */
public final class NvGraceGpuDevice implements VfioDevice {
    private final VfioPciDevice core;
    private final GpuHardware hw;
    private final NvGraceOptions options;
    private final Readiness readiness;
    private final MemoryPresentation presentation;
    private final GpuFaults faults;
    private volatile boolean closed;
    /** Made on first use, once the copy engine (profile wiring) has added its section to the core. */
    private DeviceStateMigration migration;

    private boolean migrationMade;

    private NvGraceGpuDevice(
            VfioPciDevice core,
            GpuHardware hw,
            NvGraceOptions options,
            Readiness readiness,
            MemoryPresentation presentation) {
        this.core = core;
        this.hw = hw;
        this.options = options;
        this.readiness = readiness;
        this.presentation = presentation;
        this.faults = new GpuFaults(core.faults(), hw);
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
    public static NvGraceGpuDevice probe(VfioPciDevice core, GpuHardware hw, NvGraceOptions options)
            throws VfioException {
        Readiness readiness =
                new Readiness(hw::readBar0, options.readinessPoll(), options.readinessTimeout(), options.clock());
        readiness.awaitReady();
        Optional<FirmwareProperties> fw = hw.firmwareProperties();
        Optional<DeviceMemory> mem = hw.deviceMemory();
        if (fw.isEmpty() || fw.get().memSize() == 0 || mem.isEmpty()) {
            return new NvGraceGpuDevice(core, hw, options, readiness, new PassThroughPresentation(core));
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
        MemoryPresentation presentation = switch (options.layout()) {
            case BAR ->
                new BarPresentation(
                        core,
                        layout,
                        mem.get(),
                        new MemoryGate(core, hw, options.policy(), readiness),
                        readiness,
                        options);
            case REGION -> new RegionPresentation(core, layout, mem.get(), fw.get(), readiness);
        };
        return new NvGraceGpuDevice(core, hw, options, readiness, presentation);
    }

    /** NV-2.3: carve-out needed unless the NVIDIA DVSEC id 3 has bit 0 of its word at +0xA set. */
    static boolean needsCarveOut(VfioPciDevice core) {
        return core.findDvsec(NvGraceConstants.NVIDIA_VENDOR_ID, NvGraceConstants.GPU_CAP_DVSEC_ID)
                .map(d -> (d.read16(NvGraceConstants.DVSEC_BITMAP_OFFSET)
                                & NvGraceConstants.MIG_SUPPORTED_WITH_CACHED_RESMEM)
                        == 0)
                .orElse(true);
    }

    private void onCoreReset(ResetKind kind) {
        // Any reset (FLR through config space or DEVICE_RESET) resets the hardware and arms the lazy
        // readiness check of NV-4.5. Only DEVICE_RESET clears the shadows, in reset() below.
        hw.functionReset();
        presentation.resetHappened();
    }

    // ================================================================ queries for tests and tools

    /** The carve-out, or empty in pass-through mode (NV-2.2). */
    public Optional<MemoryLayout> memoryLayout() {
        return presentation.layout();
    }

    /** False in pass-through mode (NV-2.2). */
    public boolean emulating() {
        return presentation.layout().isPresent();
    }

    public NvGraceOptions options() {
        return options;
    }

    public VfioPciDevice core() {
        return core;
    }

    /** The readiness check, for tests that watch its reset flag (NV-4.5). */
    Readiness readiness() {
        return readiness;
    }

    // ================================================================ VfioDevice

    @Override
    public String name() {
        return core.name();
    }

    @Override
    public DeviceInfo info() {
        return presentation.info(core.info());
    }

    @Override
    public RegionInfo regionInfo(int index) throws VfioException {
        return presentation.regionInfo(index);
    }

    @Override
    public int read(int region, long offset, MemorySegment dst) throws VfioException {
        checkOpen();
        if (answeredByHealth(region, offset, dst)) {
            return (int) dst.byteSize();
        }
        return presentation.read(region, offset, dst);
    }

    /**
     * The function's health first (PCI-11.x): off the bus a config read is all ones (after the usual
     * range check), a BAR access fails; stalled, a BAR access waits. Then the variant serves it.
     */
    private boolean answeredByHealth(int region, long offset, MemorySegment dst) throws VfioException {
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            if (!core.health().offBus()) {
                return false;
            }
            long size = core.config().size();
            if (offset < 0 || offset > size || dst.byteSize() > size - offset) {
                throw VfioException.invalid("config space access outside " + size + " bytes");
            }
            dst.fill((byte) 0xFF);
            return true;
        }
        if (region >= 0 && region <= Vfio.PCI_ROM_REGION_INDEX) {
            core.health().beforeBarAccess(region);
        }
        return false;
    }

    /**
     * The BAR memory itself when a trapped read would copy all of it unchanged (BAR layout, an
     * emulated memory BAR, the whole access inside device memory, the memory-enable policy letting
     * it through); errors as {@link #read}. Anything else returns null and goes through {@link #read}.
     */
    @Override
    public MemorySegment readView(int region, long offset, long count) throws VfioException {
        checkOpen();
        if (region == Vfio.PCI_CONFIG_REGION_INDEX && core.health().offBus()) {
            return null; // read() answers it
        }
        if (region >= 0 && region <= Vfio.PCI_ROM_REGION_INDEX) {
            core.health().beforeBarAccess(region);
        }
        return presentation.readView(region, offset, count);
    }

    @Override
    public int write(int region, long offset, MemorySegment src) throws VfioException {
        checkOpen();
        if (region == Vfio.PCI_CONFIG_REGION_INDEX && core.health().offBus()) {
            return core.write(region, offset, src); // dropped after the range check
        }
        if (region >= 0 && region <= Vfio.PCI_ROM_REGION_INDEX) {
            core.health().beforeBarAccess(region);
        }
        return presentation.write(region, offset, src);
    }

    /**
     * Migration of the whole GPU (docs/migration-state.md): the core's, the variant's and the
     * hardware's state and the device memory; null when the hardware cannot be migrated.
     */
    @Override
    public synchronized DeviceStateMigration migration() {
        if (!migrationMade) {
            migrationMade = true;
            migration = VariantMigration.of(core, hw, options, presentation, readiness);
        }
        return migration;
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
        if (core.health().offBus()) {
            core.reset(); // EIO: the reset does not reach a function off the bus
        }
        presentation.clearShadows();
        core.reset();
    }

    /** Open: NV-3.2 shadows start at zero for every client. */
    @Override
    public void attach(DmaSpace dma) {
        presentation.clearShadows();
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
    public void observe(DeviceEvents events) {
        core.observe(events);
    }

    @Override
    public void detach() {
        core.detach();
    }

    @Override
    public boolean request(int count) {
        return core.request(count);
    }

    @Override
    public DeviceStatus status() {
        DeviceStatus s = core.status();
        if (!hw.resetInProgress()) {
            return s;
        }
        String health = s.health().equals("ok") ? "reset in progress (not ready)" : s.health() + "; reset in progress";
        return new DeviceStatus(s.irqs(), s.resets(), health, s.counters());
    }

    @Override
    public FaultInjection faults() {
        return faults;
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
        Optional<MemoryLayout> layout = presentation.layout();
        return "NvGraceGpuDevice[" + name() + (layout.isEmpty() ? ", pass-through" : ", " + layout.get()) + "]";
    }
}
