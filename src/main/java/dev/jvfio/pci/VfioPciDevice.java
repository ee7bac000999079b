package dev.jvfio.pci;

import static dev.jvfio.pci.PciHeader.*;

import dev.jvfio.device.DeviceEvents;
import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.DeviceMigration;
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
import dev.jvfio.devicestate.StateSection;
import dev.jvfio.os.PageSize;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A PCI function as VFIO presents it: the Java counterpart of the kernel's vfio-pci-core
 * ({@code vfio_pci_core.c}: device info, regions, dispatch, lifecycle). Regions 0-5 are the BARs (served
 * by their {@link BarBacking}, the MSI-X table and PBA emulated), 6 the ROM, 7 the config space, 8 VGA
 * (absent). IRQ indexes INTx, MSI, MSI-X, ERR, REQ.
 *
 * <p>Each concern lives in its own file, as in {@code drivers/vfio/pci/}: {@link PciDeviceBuilder}
 * (config-space layout), {@code PciConfigWrites} (what a config write sets in motion),
 * {@code BarAccess} (BAR read/write and gating), {@code PciInterrupts} and {@code SetIrqs} (INTx, MSI,
 * MSI-X: device side and SET_IRQS side), {@code PciReset} (resets and their listeners).
 *
 * <p>Variant devices (nvgrace) wrap an instance and delegate to it, intercepting what they emulate;
 * the class is final, so no subclass changes what the core does behind a variant's back.
 * Device models raise interrupts with {@link #raiseIntx()}, {@link #triggerMsi(int)},
 * {@link #triggerMsix(int)} or {@link #raiseInterrupt(int)}; all methods are thread-safe. Config
 * space and interrupt state are guarded by a lock of the function's own that no other code can
 * take, so a device model that synchronizes on its function cannot stall or deadlock the core.
 */
public final class VfioPciDevice implements VfioDevice {
    private final String name;
    private final ConfigSpace config;
    private final CapabilityMap caps;
    private final PciBar[] bars = new PciBar[6];
    private final PciRom rom;
    private final int pmAt;
    private final Capability.Msix msix;
    private final PciInterrupts interrupts;
    private final SetIrqs setIrqs;
    private final PciReset reset;
    private final PciConfigWrites configWrites;
    private final PciRegions regions;
    private final FunctionHealth health = new FunctionHealth();
    private final PciFaults faults;
    private final PciStatus status;
    private final PciStates states;
    private volatile DmaSpace dma = DmaSpace.NONE;
    /** Guards config space, interrupt state and {@link #closed}; private so that no device model can hold it. */
    private final Object lock = new Object();

    private volatile DeviceEvents events = DeviceEvents.NONE;
    private boolean closed;
    private final PageSize pageSize;

    /**
     * A function over a config space laid out by {@link PciDeviceBuilder}, with the host page size the
     * mmap-able areas (MSI-X holes) are cut in (tests: 16, 64 KiB). The BAR backings are made last,
     * by their factories, once everything else of the function exists.
     */
    VfioPciDevice(
            String name,
            ConfigSpace config,
            List<PciBar> barList,
            PciRom rom,
            InterruptSignal signal,
            PageSize pageSize,
            PciStates.Migratable migratable) {
        this.pageSize = Objects.requireNonNull(pageSize);
        this.name = name;
        this.config = config;
        this.rom = rom;
        for (PciBar b : barList) {
            bars[b.index()] = b;
        }
        this.caps = CapabilityMap.scan(config);
        this.pmAt = caps.find(CAP_ID_PM).orElse(-1);
        int msiAt = caps.find(CAP_ID_MSI).orElse(-1);
        int msixAt = caps.find(CAP_ID_MSIX).orElse(-1);
        int expAt = caps.find(CAP_ID_EXP).orElse(-1);
        msix = msixAt >= 0 ? Capability.Msix.at(config, msixAt) : null;
        this.interrupts = new PciInterrupts(name, config, msiAt, msixAt, expAt, msix, signal);
        this.setIrqs = new SetIrqs(name, interrupts, lock);
        this.reset = new PciReset(config, interrupts, bars, health);
        this.faults = new PciFaults(
                config,
                interrupts,
                health,
                lock,
                caps.findExtended(EXT_CAP_ID_ERR).orElse(-1),
                expAt);
        this.status = new PciStatus(interrupts, reset, health);
        this.configWrites = new PciConfigWrites(config, interrupts, reset, pmAt, msiAt, msixAt, expAt);
        this.regions = new PciRegions(
                this,
                config,
                bars,
                rom,
                msix,
                pageSize,
                health,
                configWrites,
                reset,
                new BarAccess(bars, msix, interrupts, lock),
                lock);
        this.states = new PciStates(new CoreState(config, interrupts, lock), migratable);
        PciBar.bindAll(bars, this);
    }

    /** Starts describing a function named {@code name}: a builder with no BARs and no capabilities. */
    public static PciDeviceBuilder builder(String name) {
        return new PciDeviceBuilder(name);
    }

    // ================================================================ state queries

    /** The live config space (device-side changes through set*; guest writes through {@link #write}). */
    public ConfigSpace config() {
        return config;
    }

    public CapabilityMap capabilities() {
        return caps;
    }

    /** The BAR declared at slot index, or null (also null for the upper slot of a 64-bit BAR). */
    public PciBar bar(int index) {
        return index >= 0 && index < 6 ? bars[index] : null;
    }

    public int command() {
        return config.read16(COMMAND);
    }

    public boolean memoryDecodeEnabled() {
        return (command() & COMMAND_MEMORY) != 0;
    }

    public boolean ioDecodeEnabled() {
        return (command() & COMMAND_IO) != 0;
    }

    public boolean busMasterEnabled() {
        return (command() & COMMAND_MASTER) != 0;
    }

    public boolean inD3Hot() {
        return pmAt >= 0 && (config.read16(pmAt + 4) & 3) == 3;
    }

    /** Whether trapped access to this BAR is allowed now under its gating policy (PCI-4.x). */
    public boolean barAccessible(PciBar bar) {
        return bar.gating() == BarGating.NEVER
                || (bar.kind().isMemory() ? memoryDecodeEnabled() && !inD3Hot() : ioDecodeEnabled());
    }

    public Optional<Dvsec> findDvsec(int vendor, int id) {
        return Dvsec.find(config, vendor, id);
    }

    public void addResetListener(ResetListener l) {
        reset.addListener(l);
    }

    public void removeResetListener(ResetListener l) {
        reset.removeListener(l);
    }

    /** Adds a device model's part of the migrated state (registers, an engine); names are unique. */
    public void addStateSection(StateSection section) {
        states.add(section);
    }

    /** The state sections: the core's ("pci") first, then the device models' in the order added. */
    public List<StateSection> stateSections() {
        return states.all();
    }

    /** Migration of the whole function, or null unless its builder declared it {@code migratable}. */
    @Override
    public DeviceMigration migration() {
        return states.migration();
    }

    /** The client's memory while attached, else {@link DmaSpace#NONE}. */
    public DmaSpace dma() {
        return dma;
    }

    /** Who hears of this function's interrupts and engine copies ({@link #observe}). */
    public DeviceEvents events() {
        return events;
    }

    // ================================================================ VfioDevice: info and regions

    @Override
    public String name() {
        return name;
    }

    @Override
    public DeviceInfo info() {
        return new DeviceInfo(Vfio.DEVICE_FLAGS_RESET | Vfio.DEVICE_FLAGS_PCI, Vfio.PCI_NUM_REGIONS, Vfio.PCI_NUM_IRQS);
    }

    /**
     * The host page size this device cuts its mmap-able areas to; variants on top use the same.
     *
     * @return the page size
     */
    public PageSize pageSize() {
        return pageSize;
    }

    @Override
    public RegionInfo regionInfo(int index) throws VfioException {
        return regions.info(index);
    }

    @Override
    public int read(int region, long offset, MemorySegment dst) throws VfioException {
        return regions.read(region, offset, dst);
    }

    @Override
    public int write(int region, long offset, MemorySegment src) throws VfioException {
        return regions.write(region, offset, src);
    }

    // ================================================================ reset

    @Override
    public void reset() throws VfioException {
        if (health.offBus()) {
            throw new VfioException(Errno.EIO, "the device is off the bus: the reset does not reach it");
        }
        synchronized (lock) {
            reset.resetState();
        }
        reset.notifyListeners(ResetKind.DEVICE_RESET);
    }

    // ================================================================ interrupts: device side

    /** Asserts the INTx line: sets Status.Interrupt and, unless disabled or masked, fires (PCI-6.1). */
    public void raiseIntx() {
        synchronized (lock) {
            interrupts.raiseIntx();
        }
    }

    /** Deasserts the INTx line and clears Status.Interrupt. */
    public void lowerIntx() {
        synchronized (lock) {
            interrupts.lowerIntx();
        }
    }

    public boolean intxAsserted() {
        synchronized (lock) {
            return interrupts.intxAsserted();
        }
    }

    /** Fires MSI vector v, or marks it pending while masked (PCI-6.3). Returns whether it was sent. */
    public boolean triggerMsi(int v) {
        synchronized (lock) {
            return interrupts.triggerMsi(v);
        }
    }

    /** Fires MSI-X vector v, or sets its PBA bit while masked (PCI-6.4). Returns whether it was sent. */
    public boolean triggerMsix(int v) {
        synchronized (lock) {
            return interrupts.triggerMsix(v);
        }
    }

    /**
     * Raises vector v the way the function is configured now: MSI-X if the client installed MSI-X
     * eventfds, else MSI, else asserts INTx (v ignored).
     */
    public boolean raiseInterrupt(int v) {
        synchronized (lock) {
            return interrupts.raiseInterrupt(v);
        }
    }

    /** Whether MSI-X vector v is pending in the PBA. */
    public boolean msixPending(int v) {
        synchronized (lock) {
            return interrupts.msixPending(v);
        }
    }

    // ================================================================ interrupts: VFIO side

    @Override
    public IrqInfo irqInfo(int index) throws VfioException {
        return setIrqs.info(index);
    }

    @Override
    public void setIrqs(IrqSet req) throws VfioException {
        setIrqs.validate(req);
        synchronized (lock) {
            if (closed) {
                throw new VfioException(Errno.ENODEV, "device closed");
            }
            setIrqs.apply(req);
        }
    }

    /** Health, faults, status (PCI-11): whether the function answers now; variants that serve regions themselves ask it first. */
    public FunctionHealth health() {
        return health;
    }

    /** REQ: signals the client's request eventfd, if it armed one (PCI-10.7). */
    @Override
    public boolean request(int count) {
        synchronized (lock) {
            return interrupts.signalRequest();
        }
    }

    @Override
    public FaultInjection faults() {
        return faults;
    }

    @Override
    public DeviceStatus status() {
        synchronized (lock) {
            return status.snapshot();
        }
    }

    /** Adds model counters (named {@code prefix.name}) to {@link #status()}, e.g. a copy engine's. */
    public void addCounters(String prefix, Supplier<Map<String, Long>> counters) {
        status.addCounters(prefix, counters);
    }

    // ================================================================ lifecycle

    @Override
    public void attach(DmaSpace dmaSpace) {
        this.dma = dmaSpace == null ? DmaSpace.NONE : dmaSpace;
    }

    @Override
    public void observe(DeviceEvents e) {
        events = e == null ? DeviceEvents.NONE : e;
        interrupts.observe(events);
    }

    @Override
    public void detach() {
        synchronized (lock) {
            dma = DmaSpace.NONE;
            interrupts.clear();
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        detach();
        PciBar.closeAll(bars);
        if (rom != null) {
            rom.backing().close();
        }
    }

    @Override
    public String toString() {
        return "VfioPciDevice(" + name + ")";
    }
}
