package dev.jvfio.pci;

import static dev.jvfio.pci.PciHeader.*;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.MappableFile;
import dev.jvfio.os.PageSize;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A PCI function as VFIO presents it: the Java counterpart of the kernel's vfio-pci-core. Regions 0-5 are
 * the BARs (served by their {@link BarBacking}, the MSI-X table and PBA emulated here), 6 the ROM, 7 the
 * config space, 8 VGA (absent). IRQ indexes INTx, MSI, MSI-X, ERR, REQ.
 *
 * <p>Variant devices (nvgrace) wrap an instance and delegate to it, intercepting what they emulate.
 * Device models raise interrupts with {@link #raiseIntx()}, {@link #triggerMsi(int)},
 * {@link #triggerMsix(int)} or {@link #raiseInterrupt(int)}; all methods are thread-safe.
 */
public class VfioPciDevice implements VfioDevice {
    private static final Logger LOG = Logger.getLogger(VfioPciDevice.class.getName());

    private final String name;
    private final ConfigSpace config;
    private final CapabilityMap caps;
    private final PciBar[] bars = new PciBar[6];
    private final PciRom rom;
    private final int pmAt;
    private final int msiAt;
    private final int msixAt;
    private final int expAt;
    private final Capability.Msix msix;
    private final MsixTable msixTable;
    private final IrqVectors[] irqs = new IrqVectors[Vfio.PCI_NUM_IRQS];
    private final List<ResetListener> resetListeners = new CopyOnWriteArrayList<>();
    private final InterruptSignal signal;
    private volatile DmaSpace dma = DmaSpace.NONE;
    private boolean intxLevel;
    private boolean closed;

    private final PageSize pageSize;

    protected VfioPciDevice(String name, ConfigSpace config, List<PciBar> barList, PciRom rom, InterruptSignal signal) {
        this(name, config, barList, rom, signal, PageSize.system());
    }

    /** As above, with the page size the MSI-X holes of mmap-able BARs are cut in (tests: 16, 64 KiB). */
    protected VfioPciDevice(String name, ConfigSpace config, List<PciBar> barList, PciRom rom, InterruptSignal signal,
                            PageSize pageSize) {
        this.pageSize = Objects.requireNonNull(pageSize);
        this.name = name;
        this.config = config;
        this.rom = rom;
        this.signal = signal;
        for (PciBar b : barList) {
            bars[b.index()] = b;
        }
        this.caps = CapabilityMap.scan(config);
        this.pmAt = caps.find(CAP_ID_PM).orElse(-1);
        this.msiAt = caps.find(CAP_ID_MSI).orElse(-1);
        this.msixAt = caps.find(CAP_ID_MSIX).orElse(-1);
        this.expAt = caps.find(CAP_ID_EXP).orElse(-1);
        if (msixAt >= 0) {
            int ctrl = config.read16(msixAt + 2);
            int t = config.read32(msixAt + 4);
            int p = config.read32(msixAt + 8);
            msix = new Capability.Msix((ctrl & 0x7FF) + 1, t & 7, t & ~7, p & 7, p & ~7);
            msixTable = new MsixTable(msix.tableSize());
        } else {
            msix = null;
            msixTable = null;
        }
        int pin = config.read8(INTERRUPT_PIN);
        irqs[Vfio.PCI_INTX_IRQ_INDEX] = new IrqVectors(pin != 0 ? 1 : 0);
        irqs[Vfio.PCI_MSI_IRQ_INDEX] = new IrqVectors(msiAt >= 0 ? 1 << ((config.read16(msiAt + 2) >>> 1) & 7) : 0);
        irqs[Vfio.PCI_MSIX_IRQ_INDEX] = new IrqVectors(msix != null ? msix.tableSize() : 0);
        irqs[Vfio.PCI_ERR_IRQ_INDEX] = new IrqVectors(expAt >= 0 ? 1 : 0);
        irqs[Vfio.PCI_REQ_IRQ_INDEX] = new IrqVectors(1);
    }

    public static Builder builder(String name) {
        return new Builder(name);
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
        resetListeners.add(Objects.requireNonNull(l));
    }

    public void removeResetListener(ResetListener l) {
        resetListeners.remove(l);
    }

    /** The client's memory while attached, else {@link DmaSpace#NONE}. */
    public DmaSpace dma() {
        return dma;
    }

    // ================================================================ VfioDevice

    @Override
    public String name() {
        return name;
    }

    @Override
    public DeviceInfo info() {
        return new DeviceInfo(Vfio.DEVICE_FLAGS_RESET | Vfio.DEVICE_FLAGS_PCI, Vfio.PCI_NUM_REGIONS, Vfio.PCI_NUM_IRQS);
    }

    /** The host page size this device cuts its mmap-able areas to; variants on top use the same. */
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
            List<SparseArea> areas = mappableAreas(bar);
            return new RegionInfo(index, bar.size(), rw | Vfio.REGION_INFO_FLAG_MMAP, areas, null, file);
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

    /**
     * The backing's sparse areas minus the pages holding the MSI-X table and PBA (as vfio-pci
     * does), pages of the host's size: on a 64 KiB host a BAR smaller than 64 KiB that holds the
     * table is not mmap-able at all, as with the kernel's vfio-pci there.
     */
    private List<SparseArea> mappableAreas(PciBar bar) {
        List<SparseArea> areas = bar.backing().sparseAreas();
        if (areas.isEmpty()) {
            areas = List.of(new SparseArea(0, bar.size()));
        }
        if (msix == null) {
            return areas;
        }
        List<long[]> holes = new ArrayList<>();
        long page = pageSize.bytes();
        if (msix.tableBar() == bar.index()) {
            long s = msix.tableOffset() & -page;
            holes.add(new long[] {s, ((msix.tableOffset() + msix.tableBytes() + page - 1) & -page) - s});
        }
        if (msix.pbaBar() == bar.index()) {
            long s = msix.pbaOffset() & -page;
            holes.add(new long[] {s, ((msix.pbaOffset() + msix.pbaBytes() + page - 1) & -page) - s});
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

    @Override
    public int read(int region, long offset, MemorySegment dst) throws VfioException {
        long count = dst.byteSize();
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            int at = checkConfig(offset, count);
            config.read(at, dst);
            return (int) count;
        }
        if (region >= 0 && region <= Vfio.PCI_BAR5_REGION_INDEX) {
            PciBar bar = checkBar(region, offset, count);
            try {
                return barAccess(bar, offset, dst, false);
            } catch (RuntimeException e) {
                throw modelFailure(region, e);
            }
        }
        if (region == Vfio.PCI_ROM_REGION_INDEX && rom != null) {
            checkRange(offset, count, rom.size(), "ROM");
            return rom.backing().read(offset, dst);
        }
        throw VfioException.invalid("region " + region + " cannot be read");
    }

    @Override
    public int write(int region, long offset, MemorySegment src) throws VfioException {
        long count = src.byteSize();
        if (region == Vfio.PCI_CONFIG_REGION_INDEX) {
            int at = checkConfig(offset, count);
            writeConfig(at, src);
            return (int) count;
        }
        if (region >= 0 && region <= Vfio.PCI_BAR5_REGION_INDEX) {
            PciBar bar = checkBar(region, offset, count);
            try {
                return barAccess(bar, offset, src, true);
            } catch (RuntimeException e) {
                throw modelFailure(region, e);
            }
        }
        throw VfioException.invalid("region " + region + " cannot be written");
    }

    /** A bug in a device model must not escape as anything but an errno to the client. */
    private VfioException modelFailure(int region, RuntimeException e) {
        LOG.log(Level.WARNING, name + ": BAR " + region + " backing failed", e);
        return new VfioException(Errno.EIO, "BAR " + region + " backing failed: " + e);
    }

    private int checkConfig(long offset, long count) throws VfioException {
        checkRange(offset, count, config.size(), "config space");
        return (int) offset;
    }

    private static void checkRange(long offset, long count, long size, String what) throws VfioException {
        if (offset < 0 || count < 0 || offset > size || count > size - offset) {
            throw VfioException.invalid(what + " access [" + offset + ", +" + count + ") outside " + size + " bytes");
        }
    }

    private PciBar checkBar(int region, long offset, long count) throws VfioException {
        PciBar bar = bars[region];
        if (bar == null) {
            throw VfioException.invalid("BAR " + region + " is not implemented");
        }
        checkRange(offset, count, bar.size(), "BAR " + region);
        if (!barAccessible(bar)) {
            throw new VfioException(Errno.EIO, "BAR " + region + (bar.kind().isMemory()
                    ? (inD3Hot() ? ": function in D3hot" : ": memory decode disabled") : ": I/O decode disabled"));
        }
        return bar;
    }

    /** Splits an access at the MSI-X table/PBA boundaries and serves each piece. */
    private int barAccess(PciBar bar, long offset, MemorySegment data, boolean write) throws VfioException {
        long len = data.byteSize();
        if (msix == null || (msix.tableBar() != bar.index() && msix.pbaBar() != bar.index())) {
            return write ? bar.backing().write(offset, data) : bar.backing().read(offset, data);
        }
        long tStart = msix.tableBar() == bar.index() ? msix.tableOffset() : -1;
        long tEnd = tStart < 0 ? -1 : tStart + msix.tableBytes();
        long pStart = msix.pbaBar() == bar.index() ? msix.pbaOffset() : -1;
        long pEnd = pStart < 0 ? -1 : pStart + msix.pbaBytes();
        long pos = offset;
        long end = offset + len;
        while (pos < end) {
            long next = end;
            int kind; // 0 backing, 1 table, 2 pba
            if (tStart >= 0 && pos >= tStart && pos < tEnd) {
                kind = 1;
                next = Math.min(end, tEnd);
            } else if (pStart >= 0 && pos >= pStart && pos < pEnd) {
                kind = 2;
                next = Math.min(end, pEnd);
            } else {
                kind = 0;
                if (tStart >= 0 && tStart > pos) {
                    next = Math.min(next, tStart);
                }
                if (pStart >= 0 && pStart > pos) {
                    next = Math.min(next, pStart);
                }
            }
            MemorySegment piece = data.asSlice(pos - offset, next - pos);
            switch (kind) {
                case 1 -> msixTableAccess((int) (pos - tStart), piece, write);
                case 2 -> {
                    if (!write) {
                        synchronized (this) {
                            msixTable.readPba((int) (pos - pStart), piece);
                        }
                    } // PBA is read-only: writes are dropped
                }
                default -> {
                    int n = write ? bar.backing().write(pos, piece) : bar.backing().read(pos, piece);
                    if (n != piece.byteSize()) {
                        return (int) (pos - offset) + Math.max(0, n);
                    }
                }
            }
            pos = next;
        }
        return (int) len;
    }

    private synchronized void msixTableAccess(int offset, MemorySegment piece, boolean write) {
        if (!write) {
            msixTable.readTable(offset, piece);
            return;
        }
        msixTable.writeTable(offset, piece);
        flushMsix();
    }

    // ================================================================ config writes and their effects

    private void writeConfig(int at, MemorySegment src) {
        List<ResetKind> resets = new ArrayList<>(0);
        synchronized (this) {
            int len = (int) src.byteSize();
            int oldPm = pmAt >= 0 ? config.read16(pmAt + 4) : 0;
            config.write(at, src);
            if (overlaps(at, len, COMMAND, 2)) {
                deliverIntx();
            }
            if (pmAt >= 0 && overlaps(at, len, pmAt + 4, 2)) {
                int state = config.read16(pmAt + 4) & 3;
                if (state == 1 || state == 2) {
                    // D1/D2 are not supported: the write of the power state is ignored (PCI-3.2).
                    config.setBits16(pmAt + 4, 3, false);
                    config.setBits16(pmAt + 4, oldPm & 3, true);
                } else if ((oldPm & 3) == 3 && state == 0 && (oldPm & 0x8) == 0) {
                    // D3hot -> D0 without No_Soft_Reset: the function comes back uninitialized (PCI-3.8).
                    resetLocked();
                    resets.add(ResetKind.PM_RESET);
                }
            }
            if (msiAt >= 0 && overlaps(at, len, msiAt, 24)) {
                flushMsi();
            }
            if (msixAt >= 0 && overlaps(at, len, msixAt + 2, 2)) {
                flushMsix();
            }
            if (expAt >= 0 && overlaps(at, len, expAt + 8, 2) && (config.read16(expAt + 8) & 0x8000) != 0) {
                resetLocked();
                resets.add(ResetKind.FLR);
            }
        }
        for (ResetKind k : resets) {
            notifyReset(k);
        }
    }

    private static boolean overlaps(int at, int len, int reg, int regLen) {
        return at < reg + regLen && reg < at + len;
    }

    // ================================================================ reset

    @Override
    public void reset() throws VfioException {
        synchronized (this) {
            resetLocked();
        }
        notifyReset(ResetKind.DEVICE_RESET);
    }

    /** Config space back to power-on values (sticky bits kept), pending interrupts cleared (PCI-5.x). */
    private void resetLocked() {
        config.resetToPowerOn();
        intxLevel = false;
        if (msixTable != null) {
            msixTable.reset();
        }
        for (IrqVectors v : irqs) {
            v.clearPending();
        }
        for (PciBar b : bars) {
            if (b != null) {
                b.backing().reset();
            }
        }
    }

    private void notifyReset(ResetKind kind) {
        for (ResetListener l : resetListeners) {
            l.onReset(kind);
        }
    }

    // ================================================================ interrupts: device side

    /** Asserts the INTx line: sets Status.Interrupt and, unless disabled or masked, fires (PCI-6.1). */
    public synchronized void raiseIntx() {
        if (irqs[Vfio.PCI_INTX_IRQ_INDEX].count() == 0) {
            return;
        }
        intxLevel = true;
        config.setBits16(STATUS, STATUS_INTERRUPT, true);
        deliverIntx();
    }

    /** Deasserts the INTx line and clears Status.Interrupt. */
    public synchronized void lowerIntx() {
        intxLevel = false;
        config.setBits16(STATUS, STATUS_INTERRUPT, false);
        IrqVectors intx = irqs[Vfio.PCI_INTX_IRQ_INDEX];
        if (intx.count() > 0) {
            intx.setPending(0, false);
        }
    }

    public synchronized boolean intxAsserted() {
        return intxLevel;
    }

    private void deliverIntx() {
        IrqVectors intx = irqs[Vfio.PCI_INTX_IRQ_INDEX];
        if (!intxLevel || intx.count() == 0) {
            return;
        }
        if ((config.read16(COMMAND) & COMMAND_INTX_DISABLE) != 0 || intx.masked(0) || intx.fd(0) == null) {
            intx.setPending(0, true);
            return;
        }
        intx.setPending(0, false);
        intx.setMasked(0, true); // INTx is automasked until SET_IRQS UNMASK (VU-8.9)
        fire(intx.fd(0));
    }

    /** Fires MSI vector v, or marks it pending while masked (PCI-6.3). Returns whether it was sent. */
    public synchronized boolean triggerMsi(int v) {
        IrqVectors msi = irqs[Vfio.PCI_MSI_IRQ_INDEX];
        if (v < 0 || v >= msi.count() || msi.fd(v) == null) {
            return false;
        }
        if (msiMasked(v)) {
            setMsiPending(v, true);
            return false;
        }
        fire(msi.fd(v));
        return true;
    }

    /** Fires MSI-X vector v, or sets its PBA bit while masked (PCI-6.4). Returns whether it was sent. */
    public synchronized boolean triggerMsix(int v) {
        IrqVectors x = irqs[Vfio.PCI_MSIX_IRQ_INDEX];
        if (v < 0 || v >= x.count() || x.fd(v) == null) {
            return false;
        }
        if (msixMasked(v)) {
            msixTable.setPending(v, true);
            return false;
        }
        fire(x.fd(v));
        return true;
    }

    /**
     * Raises vector v the way the function is configured now: MSI-X if the client installed MSI-X
     * eventfds, else MSI, else asserts INTx (v ignored).
     */
    public synchronized boolean raiseInterrupt(int v) {
        if (irqs[Vfio.PCI_MSIX_IRQ_INDEX].anyAssigned()) {
            return triggerMsix(v);
        }
        if (irqs[Vfio.PCI_MSI_IRQ_INDEX].anyAssigned()) {
            return triggerMsi(v);
        }
        raiseIntx();
        return true;
    }

    /** Whether MSI-X vector v is pending in the PBA. */
    public synchronized boolean msixPending(int v) {
        return msixTable != null && v >= 0 && v < msixTable.vectors() && msixTable.pending(v);
    }

    private boolean msiPerVectorMask() {
        return msiAt >= 0 && (config.read16(msiAt + 2) & 0x100) != 0;
    }

    private int msiMaskOffset() {
        boolean is64 = (config.read16(msiAt + 2) & 0x80) != 0;
        return msiAt + (is64 ? 16 : 12);
    }

    private boolean msiMasked(int v) {
        IrqVectors msi = irqs[Vfio.PCI_MSI_IRQ_INDEX];
        return msi.masked(v) || (msiPerVectorMask() && (config.read32(msiMaskOffset()) & (1 << v)) != 0);
    }

    private void setMsiPending(int v, boolean on) {
        irqs[Vfio.PCI_MSI_IRQ_INDEX].setPending(v, on);
        if (msiPerVectorMask()) {
            config.setBits32(msiMaskOffset() + 4, 1 << v, on);
        }
    }

    private boolean msixMasked(int v) {
        return irqs[Vfio.PCI_MSIX_IRQ_INDEX].masked(v) || msixTable.vectorMasked(v)
                || (config.read16(msixAt + 2) & 0x4000) != 0;
    }

    private void flushMsi() {
        IrqVectors msi = irqs[Vfio.PCI_MSI_IRQ_INDEX];
        for (int v = 0; v < msi.count(); v++) {
            if (msi.pending(v) && !msiMasked(v) && msi.fd(v) != null) {
                setMsiPending(v, false);
                fire(msi.fd(v));
            }
        }
    }

    private void flushMsix() {
        if (msixTable == null) {
            return;
        }
        IrqVectors x = irqs[Vfio.PCI_MSIX_IRQ_INDEX];
        for (int v = 0; v < x.count(); v++) {
            if (msixTable.pending(v) && !msixMasked(v) && x.fd(v) != null) {
                msixTable.setPending(v, false);
                fire(x.fd(v));
            }
        }
    }

    private void fire(Fd fd) {
        try {
            signal.signal(fd);
        } catch (Exception e) {
            LOG.log(Level.FINE, "interrupt eventfd write failed on " + name, e);
        }
    }

    // ================================================================ interrupts: VFIO side

    @Override
    public IrqInfo irqInfo(int index) throws VfioException {
        if (index < 0 || index >= Vfio.PCI_NUM_IRQS) {
            throw VfioException.invalid("no IRQ index " + index);
        }
        int count = irqs[index].count();
        int flags = Vfio.IRQ_INFO_EVENTFD;
        if (index == Vfio.PCI_INTX_IRQ_INDEX) {
            flags |= Vfio.IRQ_INFO_MASKABLE | Vfio.IRQ_INFO_AUTOMASKED;
        } else if (index != Vfio.PCI_MSIX_IRQ_INDEX) {
            // vfio-pci: NORESIZE except for MSI-X when vectors can be added dynamically (we can).
            flags |= Vfio.IRQ_INFO_NORESIZE;
        }
        return new IrqInfo(index, flags, count);
    }

    @Override
    public void setIrqs(IrqSet req) throws VfioException {
        int index = req.index();
        if (index < 0 || index >= Vfio.PCI_NUM_IRQS) {
            throw VfioException.invalid("no IRQ index " + index);
        }
        int type = req.dataType();
        int action = req.action();
        if (Integer.bitCount(type) != 1 || Integer.bitCount(action) != 1) {
            throw VfioException.invalid("SET_IRQS needs exactly one data type and one action");
        }
        synchronized (this) {
            if (closed) {
                throw new VfioException(Errno.ENODEV, "device closed");
            }
            IrqVectors vectors = irqs[index];
            long start = Integer.toUnsignedLong(req.start());
            long count = Integer.toUnsignedLong(req.count());
            if (type == Vfio.IRQ_SET_DATA_NONE && action == Vfio.IRQ_SET_ACTION_TRIGGER && count == 0) {
                vectors.clear();          // disable every vector of the index (VU-4.5)
                if (index == Vfio.PCI_INTX_IRQ_INDEX) {
                    intxLevel = false;
                }
                return;
            }
            if (start + count > vectors.count()) {
                throw VfioException.invalid("vectors [" + start + ", +" + count + ") outside " + vectors.count());
            }
            int s = (int) start;
            int n = (int) count;
            if (type == Vfio.IRQ_SET_DATA_BOOL && (req.bools() == null || req.bools().length != n)) {
                throw VfioException.invalid("DATA_BOOL needs one byte per vector");
            }
            if (type == Vfio.IRQ_SET_DATA_EVENTFD) {
                if (action != Vfio.IRQ_SET_ACTION_TRIGGER) {
                    throw VfioException.invalid("eventfds only with ACTION_TRIGGER");
                }
                List<Fd> fds = req.eventfds();
                if (!fds.isEmpty() && fds.size() != n) {
                    throw VfioException.invalid(fds.size() + " eventfds for " + n + " vectors");
                }
                if (!fds.isEmpty() && index <= Vfio.PCI_MSIX_IRQ_INDEX && otherTypeActive(index)) {
                    throw VfioException.invalid("another interrupt type is enabled");
                }
                if (fds.isEmpty()) {
                    vectors.deassign(s, n);
                } else {
                    vectors.install(s, fds); // the device owns them from here
                }
                if (index == Vfio.PCI_INTX_IRQ_INDEX) {
                    deliverIntx();
                }
                return;
            }
            switch (action) {
                case Vfio.IRQ_SET_ACTION_MASK, Vfio.IRQ_SET_ACTION_UNMASK -> {
                    if (index > Vfio.PCI_MSIX_IRQ_INDEX) {
                        throw VfioException.invalid("IRQ index " + index + " is not maskable");
                    }
                    boolean mask = action == Vfio.IRQ_SET_ACTION_MASK;
                    for (int i = 0; i < n; i++) {
                        if (type == Vfio.IRQ_SET_DATA_NONE || req.bools()[i] != 0) {
                            vectors.setMasked(s + i, mask);
                        }
                    }
                    if (!mask) {
                        switch (index) {
                            case Vfio.PCI_INTX_IRQ_INDEX -> deliverIntx();
                            case Vfio.PCI_MSI_IRQ_INDEX -> flushMsi();
                            default -> flushMsix();
                        }
                    }
                }
                default -> { // TRIGGER with NONE/BOOL: loopback signal of the installed eventfds
                    for (int i = 0; i < n; i++) {
                        if ((type == Vfio.IRQ_SET_DATA_NONE || req.bools()[i] != 0) && vectors.fd(s + i) != null) {
                            fire(vectors.fd(s + i));
                        }
                    }
                }
            }
        }
    }

    private boolean otherTypeActive(int index) {
        for (int i = 0; i <= Vfio.PCI_MSIX_IRQ_INDEX; i++) {
            if (i != index && irqs[i].anyAssigned()) {
                return true;
            }
        }
        return false;
    }

    // ================================================================ lifecycle

    @Override
    public void attach(DmaSpace dmaSpace) {
        this.dma = dmaSpace == null ? DmaSpace.NONE : dmaSpace;
    }

    @Override
    public synchronized void detach() {
        dma = DmaSpace.NONE;
        for (IrqVectors v : irqs) {
            v.clear();
        }
        intxLevel = false;
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

    // ================================================================ builder

    /**
     * Builds a function from declared header fields, BARs and capabilities, or from a template dump
     * (PCI-7.x). Capabilities are laid out from 0x40 (standard) and 0x100 (extended) in the order given.
     */
    public static final class Builder {
        private final String name;
        private int vendor = 0xFFFF;
        private int device = 0xFFFF;
        private int subVendor;
        private int subDevice;
        private int revision;
        private int classCode;
        private int intxPin;
        private Integer configSize;
        private byte[] template;
        private PciRom rom;
        private final List<PciBar> bars = new ArrayList<>();
        private final List<Capability> capabilities = new ArrayList<>();
        private final List<ExtendedCapability> extended = new ArrayList<>();
        private final List<long[]> writable = new ArrayList<>();
        private final List<long[]> w1c = new ArrayList<>();
        private InterruptSignal signal = Builder::eventfdSignal;
        private PageSize pageSize = PageSize.system();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name);
        }

        private static void eventfdSignal(Fd fd) throws java.io.IOException {
            dev.jvfio.os.EventFd.signal(fd);
        }

        public Builder ids(int vendorId, int deviceId) {
            this.vendor = vendorId & 0xFFFF;
            this.device = deviceId & 0xFFFF;
            return this;
        }

        public Builder subsystem(int subsystemVendorId, int subsystemId) {
            this.subVendor = subsystemVendorId & 0xFFFF;
            this.subDevice = subsystemId & 0xFFFF;
            return this;
        }

        public Builder revision(int rev) {
            this.revision = rev & 0xFF;
            return this;
        }

        /** The 24-bit class code: base class, subclass, programming interface (0x030200 = 3D controller). */
        public Builder classCode(int code) {
            this.classCode = code & 0xFF_FFFF;
            return this;
        }

        /** INTx pin: 0 none, 1..4 = INTA..INTD. */
        public Builder intxPin(int pin) {
            if (pin < 0 || pin > 4) {
                throw new IllegalArgumentException("INTx pin 0..4: " + pin);
            }
            this.intxPin = pin;
            return this;
        }

        /** 256 or 4096; by default 4096 when a PCI Express or extended capability is declared, else 256. */
        public Builder configSize(int size) {
            this.configSize = size;
            return this;
        }

        /**
         * Starts from a real dump (256 or 4096 bytes, PCI-7.1): ids, class, capabilities come from it;
         * the declared BARs replace its BAR registers; standard writable bits are derived from its
         * capabilities, and {@link #writable}/{@link #w1c} add more. Header fields set on this builder
         * are ignored when a template is given.
         */
        public Builder template(byte[] image) {
            if (image.length != ConfigSpace.LEGACY_SIZE && image.length != ConfigSpace.EXTENDED_SIZE) {
                throw new IllegalArgumentException("template must be 256 or 4096 bytes");
            }
            this.template = image.clone();
            return this;
        }

        public Builder bar(PciBar bar) {
            bars.add(bar);
            return this;
        }

        public Builder rom(PciRom r) {
            this.rom = r;
            return this;
        }

        public Builder capability(Capability c) {
            capabilities.add(c);
            return this;
        }

        public Builder extendedCapability(ExtendedCapability c) {
            extended.add(c);
            return this;
        }

        /** Adds guest-writable bits (the template's "table of writable bits"). */
        public Builder writable(int offset, int width, long mask) {
            writable.add(new long[] {offset, width, mask});
            return this;
        }

        public Builder w1c(int offset, int width, long mask) {
            w1c.add(new long[] {offset, width, mask});
            return this;
        }

        /** The host page size mmap-able areas are cut to (default: {@link PageSize#system()}). */
        public Builder pageSize(PageSize p) {
            this.pageSize = Objects.requireNonNull(p);
            return this;
        }

        /** How interrupts reach eventfds (tests may count instead). */
        public Builder signal(InterruptSignal s) {
            this.signal = Objects.requireNonNull(s);
            return this;
        }

        /** The config space alone (for models below VFIO, e.g. simulated hardware). */
        public ConfigSpace buildConfigSpace() {
            ConfigSpace cs = template != null ? fromTemplate() : fresh();
            boolean[] used = new boolean[6];
            for (PciBar b : bars) {
                for (int i = 0; i < b.slots(); i++) {
                    if (used[b.index() + i]) {
                        throw new IllegalArgumentException("BAR slot " + (b.index() + i) + " declared twice");
                    }
                    used[b.index() + i] = true;
                }
            }
            for (int i = 0; i < 6; i++) {
                cs.set32(BAR0 + 4 * i, 0);
                cs.replaceWritable(BAR0 + 4 * i, 4, 0);
            }
            for (PciBar b : bars) {
                int at = BAR0 + 4 * b.index();
                cs.set32(at, b.flagBits());
                cs.replaceWritable(at, 4, b.lowWritableMask() & 0xFFFF_FFFFL);
                if (b.kind() == BarKind.MEM64) {
                    cs.replaceWritable(at + 4, 4, b.highWritableMask() & 0xFFFF_FFFFL);
                }
            }
            cs.set32(ROM_ADDRESS, 0);
            cs.replaceWritable(ROM_ADDRESS, 4, rom == null ? 0 : rom.writableMask() & 0xFFFF_FFFFL);
            CapabilityMap map = CapabilityMap.scan(cs);
            CapabilityMasks.apply(cs, map);
            checkMsix(map, cs);
            for (long[] w : writable) {
                cs.setWritable((int) w[0], (int) w[1], w[2]);
            }
            for (long[] w : w1c) {
                cs.setW1c((int) w[0], (int) w[1], w[2]);
            }
            normalizePowerOn(cs, map);
            cs.capturePowerOn();
            return cs;
        }

        public VfioPciDevice build() {
            ConfigSpace cs = buildConfigSpace();
            return new VfioPciDevice(name, cs, bars, rom, signal, pageSize);
        }

        private ConfigSpace fromTemplate() {
            ConfigSpace cs = ConfigSpace.create(template.length);
            cs.set(0, template);
            return cs;
        }

        private ConfigSpace fresh() {
            boolean express = capabilities.stream().anyMatch(c -> c instanceof Capability.PciExpress);
            int size = configSize != null ? configSize
                    : (express || !extended.isEmpty() ? ConfigSpace.EXTENDED_SIZE : ConfigSpace.LEGACY_SIZE);
            ConfigSpace cs = ConfigSpace.create(size);
            cs.set16(VENDOR_ID, vendor);
            cs.set16(DEVICE_ID, device);
            cs.set8(REVISION_ID, revision);
            cs.set8(CLASS_PROG, classCode);
            cs.set16(CLASS_DEVICE, classCode >>> 8);
            cs.set16(SUBSYSTEM_VENDOR_ID, subVendor);
            cs.set16(SUBSYSTEM_ID, subDevice);
            cs.set8(INTERRUPT_PIN, intxPin);
            int at = 0x40;
            int prev = CAPABILITY_LIST;
            for (Capability c : capabilities) {
                int len = (c.length() + 3) & ~3;
                if (at + len > 0x100) {
                    throw new IllegalArgumentException("standard capabilities do not fit below 0x100");
                }
                cs.set8(prev, at);
                cs.set8(at, c.id());
                c.writeBody(cs, at);
                prev = at + 1;
                at += len;
            }
            if (!capabilities.isEmpty()) {
                cs.set16(STATUS, STATUS_CAP_LIST);
            }
            if (!extended.isEmpty()) {
                if (size != ConfigSpace.EXTENDED_SIZE) {
                    throw new IllegalArgumentException("extended capabilities need a 4 KiB config space");
                }
                int eat = EXT_CAP_START;
                for (int i = 0; i < extended.size(); i++) {
                    ExtendedCapability c = extended.get(i);
                    int len = (c.length() + 3) & ~3;
                    int next = i + 1 < extended.size() ? eat + len : 0;
                    if (eat + len > size || next > 0xFFC) {
                        throw new IllegalArgumentException("extended capabilities do not fit in 4 KiB");
                    }
                    cs.set32(eat, c.id() | (c.version() & 0xF) << 16 | next << 20);
                    c.writeBody(cs, eat);
                    eat += len;
                }
            }
            return cs;
        }

        private void checkMsix(CapabilityMap map, ConfigSpace cs) {
            int at = map.find(CAP_ID_MSIX).orElse(-1);
            if (at < 0) {
                return;
            }
            int n = (cs.read16(at + 2) & 0x7FF) + 1;
            int t = cs.read32(at + 4);
            int p = cs.read32(at + 8);
            checkInBar(t & 7, t & ~7L & 0xFFFF_FFFFL, n * 16L, "MSI-X table");
            checkInBar(p & 7, p & ~7L & 0xFFFF_FFFFL, ((n + 63) / 64) * 8L, "MSI-X PBA");
        }

        private void checkInBar(int bir, long offset, long len, String what) {
            for (PciBar b : bars) {
                if (b.index() == bir) {
                    if (!b.kind().isMemory() || offset + len > b.size()) {
                        throw new IllegalArgumentException(what + " does not fit in memory BAR " + bir);
                    }
                    return;
                }
            }
            throw new IllegalArgumentException(what + " lives in BAR " + bir + ", which is not declared");
        }

        /** Power-on values: decode off, no interrupt, MSI/MSI-X disabled, D0, no FLR in progress (PCI-5.2). */
        private static void normalizePowerOn(ConfigSpace cs, CapabilityMap map) {
            cs.set16(COMMAND, 0);
            cs.setBits16(STATUS, STATUS_INTERRUPT | STATUS_W1C, false);
            cs.set8(INTERRUPT_LINE, 0);
            map.find(CAP_ID_PM).ifPresent(at -> cs.setBits16(at + 4, 0x8103, false));
            map.find(CAP_ID_MSI).ifPresent(at -> {
                cs.setBits16(at + 2, 0x0071, false);
                int ctrl = cs.read16(at + 2);
                boolean is64 = (ctrl & 0x80) != 0;
                int data = at + (is64 ? 12 : 8);
                cs.set32(at + 4, 0);
                if (is64) {
                    cs.set32(at + 8, 0);
                }
                cs.set16(data, 0);
                if ((ctrl & 0x100) != 0) {
                    cs.set32(data + 4, 0);  // mask bits
                    cs.set32(data + 8, 0);  // pending bits
                }
            });
            map.find(CAP_ID_MSIX).ifPresent(at -> cs.setBits16(at + 2, 0xC000, false));
            map.find(CAP_ID_EXP).ifPresent(at -> {
                cs.setBits16(at + 8, 0x8000, false);
                cs.setBits16(at + 10, 0x000F, false);
            });
        }
    }
}
