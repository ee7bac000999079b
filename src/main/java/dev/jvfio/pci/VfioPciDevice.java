package dev.jvfio.pci;

import static dev.jvfio.pci.PciHeader.*;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.DeviceStatus;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.device.FaultInjection;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.MappableFile;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.PageSize;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
 * <p>Variant devices (nvgrace) wrap an instance and delegate to it, intercepting what they emulate.
 * Device models raise interrupts with {@link #raiseIntx()}, {@link #triggerMsi(int)},
 * {@link #triggerMsix(int)} or {@link #raiseInterrupt(int)}; all methods are thread-safe (the device's
 * monitor guards config space and interrupt state).
 */
public class VfioPciDevice implements VfioDevice {
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
    private final BarAccess barAccess;
    private final FunctionHealth health = new FunctionHealth();
    private final PciFaults faults;
    private final PciStatus status;
    private volatile DmaSpace dma = DmaSpace.NONE;
    private boolean closed;
    private final PageSize pageSize;

    /**
     * A function over a config space laid out by {@link PciDeviceBuilder}.
     *
     * @param name the device name (logs, {@link #toString()})
     * @param config the config space
     * @param barList the declared BARs
     * @param rom the expansion ROM, or null
     * @param signal how interrupts reach eventfds
     */
    protected VfioPciDevice(String name, ConfigSpace config, List<PciBar> barList, PciRom rom, InterruptSignal signal) {
        this(name, config, barList, rom, signal, PageSize.system());
    }

    /**
     * As above, with the host page size the mmap-able areas (MSI-X holes) are cut in (tests: 16, 64 KiB).
     *
     * @param pageSize the host page size
     */
    protected VfioPciDevice(String name, ConfigSpace config, List<PciBar> barList, PciRom rom, InterruptSignal signal,
                            PageSize pageSize) {
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
        if (msixAt >= 0) {
            int ctrl = config.read16(msixAt + 2);
            int t = config.read32(msixAt + 4);
            int p = config.read32(msixAt + 8);
            msix = new Capability.Msix((ctrl & 0x7FF) + 1, t & 7, t & ~7, p & 7, p & ~7);
        } else {
            msix = null;
        }
        this.interrupts = new PciInterrupts(name, config, msiAt, msixAt, expAt, msix, signal);
        this.setIrqs = new SetIrqs(name, interrupts, this);
        this.reset = new PciReset(config, interrupts, bars, health);
        this.faults = new PciFaults(config, interrupts, health, this, caps.findExtended(EXT_CAP_ID_ERR).orElse(-1), expAt);
        this.status = new PciStatus(interrupts, reset, health);
        this.configWrites = new PciConfigWrites(config, interrupts, reset, pmAt, msiAt, msixAt, expAt);
        this.barAccess = new BarAccess(bars, msix, interrupts);
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
        if (bar.gating() == BarGating.NEVER) {
            return true;
        }
        return bar.kind().isMemory() ? memoryDecodeEnabled() && !inD3Hot() : ioDecodeEnabled();
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

    /** The client's memory while attached, else {@link DmaSpace#NONE}. */
    public DmaSpace dma() {
        return dma;
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
        if (index < 0 || index >= Vfio.PCI_NUM_REGIONS) {
            throw VfioException.invalid("no region " + index);
        }
        int rw = Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE;
        if (index <= Vfio.PCI_BAR5_REGION_INDEX) {
            PciBar bar = bars[index];
            if (bar == null) {
                return RegionInfo.absent(index);
            }
            MappableFile file = bar.backing().mappableFile();
            if (file == null) {
                return new RegionInfo(index, bar.size(), rw, List.of(), null, null);
            }
            return new RegionInfo(index, bar.size(), rw | Vfio.REGION_INFO_FLAG_MMAP,
                    MappableAreas.of(bar, msix, pageSize), null, file);
        }
        if (index == Vfio.PCI_ROM_REGION_INDEX) {
            return rom == null ? RegionInfo.absent(index)
                    : new RegionInfo(index, rom.size(), Vfio.REGION_INFO_FLAG_READ, List.of(), null, null);
        }
        if (index == Vfio.PCI_CONFIG_REGION_INDEX) {
            return new RegionInfo(index, config.size(), rw, List.of(), null, null);
        }
        return RegionInfo.absent(index);
    }

    @Override
    public int read(int region, long offset, MemorySegment dst) throws VfioException {
        long count = dst.byteSize();
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            BarAccess.checkRange(offset, count, config.size(), "config space");
            if (!health.interceptRead(region, dst)) { // off the bus: all ones (PCI-11.2)
                config.read((int) offset, dst);
            }
            return (int) count;
        }
        if (region >= 0 && region <= Vfio.PCI_BAR5_REGION_INDEX) {
            return barAccess.access(this, region, offset, dst, false);
        }
        if (region == Vfio.PCI_ROM_REGION_INDEX && rom != null) {
            BarAccess.checkRange(offset, count, rom.size(), "ROM");
            health.interceptRead(region, dst);
            return rom.backing().read(offset, dst);
        }
        throw VfioException.invalid("region " + region + " cannot be read");
    }

    @Override
    public int write(int region, long offset, MemorySegment src) throws VfioException {
        long count = src.byteSize();
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            BarAccess.checkRange(offset, count, config.size(), "config space");
            if (health.interceptWrite(region)) {
                return (int) count;
            }
            List<ResetKind> resets;
            synchronized (this) {
                resets = configWrites.write((int) offset, src);
            }
            for (ResetKind k : resets) {
                reset.notifyListeners(k);
            }
            return (int) count;
        }
        if (region >= 0 && region <= Vfio.PCI_BAR5_REGION_INDEX) {
            return barAccess.access(this, region, offset, src, true);
        }
        throw VfioException.invalid("region " + region + " cannot be written");
    }

    // ================================================================ reset

    @Override
    public void reset() throws VfioException {
        if (health.offBus()) {
            throw new VfioException(Errno.EIO, "the device is off the bus: the reset does not reach it");
        }
        synchronized (this) {
            reset.resetState();
        }
        reset.notifyListeners(ResetKind.DEVICE_RESET);
    }

    // ================================================================ interrupts: device side

    /** Asserts the INTx line: sets Status.Interrupt and, unless disabled or masked, fires (PCI-6.1). */
    public synchronized void raiseIntx() {
        interrupts.raiseIntx();
    }

    /** Deasserts the INTx line and clears Status.Interrupt. */
    public synchronized void lowerIntx() {
        interrupts.lowerIntx();
    }

    public synchronized boolean intxAsserted() {
        return interrupts.intxAsserted();
    }

    /** Fires MSI vector v, or marks it pending while masked (PCI-6.3). Returns whether it was sent. */
    public synchronized boolean triggerMsi(int v) {
        return interrupts.triggerMsi(v);
    }

    /** Fires MSI-X vector v, or sets its PBA bit while masked (PCI-6.4). Returns whether it was sent. */
    public synchronized boolean triggerMsix(int v) {
        return interrupts.triggerMsix(v);
    }

    /**
     * Raises vector v the way the function is configured now: MSI-X if the client installed MSI-X
     * eventfds, else MSI, else asserts INTx (v ignored).
     */
    public synchronized boolean raiseInterrupt(int v) {
        return interrupts.raiseInterrupt(v);
    }

    /** Whether MSI-X vector v is pending in the PBA. */
    public synchronized boolean msixPending(int v) {
        return interrupts.msixPending(v);
    }

    // ================================================================ interrupts: VFIO side

    @Override
    public IrqInfo irqInfo(int index) throws VfioException {
        return setIrqs.info(index);
    }

    @Override
    public void setIrqs(IrqSet req) throws VfioException {
        setIrqs.validate(req);
        synchronized (this) {
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
    public synchronized boolean request(int count) {
        return interrupts.signalRequest();
    }

    @Override
    public FaultInjection faults() {
        return faults;
    }

    @Override
    public synchronized DeviceStatus status() {
        return status.snapshot();
    }

    /** Adds model counters (named {@code prefix.name}) to {@link #status()}, e.g. a copy engine's. */
    public void addCounters(String prefix, java.util.function.Supplier<java.util.Map<String, Long>> counters) {
        status.addCounters(prefix, counters);
    }

    // ================================================================ lifecycle

    @Override
    public void attach(DmaSpace dmaSpace) {
        this.dma = dmaSpace == null ? DmaSpace.NONE : dmaSpace;
    }

    @Override
    public synchronized void detach() {
        dma = DmaSpace.NONE;
        interrupts.clear();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        detach();
        for (PciBar b : bars) {
            if (b != null) {
                b.backing().close();
            }
        }
        if (rom != null) {
            rom.backing().close();
        }
    }

    @Override
    public String toString() {
        return "VfioPciDevice(" + name + ")";
    }
}
