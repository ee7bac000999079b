package dev.jvfio.server;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.MappableFile;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.RegionType;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.os.NativeException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A small test-only PCI device: BAR0 is 16 KiB of RAM in a memfd (mmap-able above its first page,
 * a SPARSE_MMAP cap), BAR1 is 4 KiB of trapped registers with a DMA doorbell, region 7 a 256-byte
 * config space, region 9 a device-specific region with a TYPE cap, and INTx/MSI/MSI-X/ERR/REQ
 * interrupts that keep the eventfds they are given.
 *
 * <p>BAR1 doorbell: writing anything to offset 0 copies 64 bytes from the client's memory at the
 * IOVA held in BAR1[8..16) into BAR1[0x100..0x140), writes them back at IOVA + 0x40, stores the
 * errno (0 = success) in BAR1[4..8) and fires INTx.
 */
public final class RamDevice implements VfioDevice {
    public static final int BAR0_SIZE = 16 * 1024;
    public static final int BAR1_SIZE = 4096;
    public static final int CONFIG_SIZE = 256;
    public static final int SPECIAL_REGION = 9;
    public static final RegionType SPECIAL_TYPE = new RegionType(Vfio.REGION_TYPE_PCI_VENDOR_TYPE | 0x10de, 1);
    private static final int[] IRQ_COUNTS = {1, 1, 4, 1, 1};
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Fd bar0Fd;
    private final MappedMemory bar0;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment bar1 = arena.allocate(BAR1_SIZE);
    private final MemorySegment config = arena.allocate(CONFIG_SIZE);
    private final MemorySegment special = arena.allocate(4096);
    private final Fd[][] triggers = new Fd[IRQ_COUNTS.length][];
    private final boolean[] intxMasked = new boolean[1];
    private DmaSpace dma = DmaSpace.NONE;
    private int attaches;
    private int detaches;
    private int resets;
    private boolean closed;

    public RamDevice() throws NativeException {
        bar0Fd = Memfd.create("ram-bar0", BAR0_SIZE);
        bar0 = MappedMemory.map(bar0Fd, 0, BAR0_SIZE, true);
        for (int i = 0; i < IRQ_COUNTS.length; i++) {
            triggers[i] = new Fd[IRQ_COUNTS[i]];
        }
        resetConfig();
    }

    private void resetConfig() {
        config.fill((byte) 0);
        config.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 0x1234);
        config.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) 0x5678);
        config.set(ValueLayout.JAVA_BYTE, 0x3d, (byte) 1); // interrupt pin A
    }

    @Override
    public String name() {
        return "ram";
    }

    @Override
    public DeviceInfo info() {
        return new DeviceInfo(Vfio.DEVICE_FLAGS_PCI | Vfio.DEVICE_FLAGS_RESET, 10, IRQ_COUNTS.length);
    }

    @Override
    public synchronized RegionInfo regionInfo(int index) throws VfioException {
        int rw = Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE;
        return switch (index) {
            case 0 ->
                RegionInfo.mappable(
                        0, BAR0_SIZE, rw, new MappableFile(bar0Fd, 0), List.of(new SparseArea(4096, BAR0_SIZE - 4096)));
            case 1 -> RegionInfo.trapped(1, BAR1_SIZE, rw);
            case Vfio.PCI_CONFIG_REGION_INDEX -> RegionInfo.trapped(index, CONFIG_SIZE, rw);
            case SPECIAL_REGION ->
                RegionInfo.trapped(index, 4096, Vfio.REGION_INFO_FLAG_READ).withType(SPECIAL_TYPE);
            case 2, 3, 4, 5, 6, 8 -> RegionInfo.absent(index);
            default -> throw VfioException.invalid("no region " + index);
        };
    }

    private MemorySegment region(int index, long offset, long length) throws VfioException {
        MemorySegment r = switch (index) {
            case 0 -> bar0.segment();
            case 1 -> bar1;
            case Vfio.PCI_CONFIG_REGION_INDEX -> config;
            case SPECIAL_REGION -> special;
            default -> throw VfioException.invalid("region " + index + " cannot be accessed");
        };
        if (offset < 0 || length < 0 || offset > r.byteSize() - length) {
            throw VfioException.invalid("access at " + offset + "+" + length + " outside region " + index);
        }
        return r;
    }

    @Override
    public synchronized int read(int index, long offset, MemorySegment dst) throws VfioException {
        MemorySegment r = region(index, offset, dst.byteSize());
        MemorySegment.copy(r, offset, dst, 0, dst.byteSize());
        return (int) dst.byteSize();
    }

    @Override
    public synchronized int write(int index, long offset, MemorySegment src) throws VfioException {
        if (index == SPECIAL_REGION) {
            throw new VfioException(Errno.EACCES, "read-only region");
        }
        MemorySegment r = region(index, offset, src.byteSize());
        MemorySegment.copy(src, 0, r, offset, src.byteSize());
        if (index == 1 && offset == 0) {
            doorbell();
        }
        return (int) src.byteSize();
    }

    private void doorbell() {
        long iova = bar1.get(U64, 8);
        int errno = 0;
        try {
            MemorySegment scratch = bar1.asSlice(0x100, 64);
            dma.read(iova, scratch);
            dma.write(iova + 0x40, scratch);
        } catch (VfioException e) {
            errno = e.errno();
        }
        bar1.set(U32, 4, errno);
        raise(Vfio.PCI_INTX_IRQ_INDEX, 0);
    }

    /** Signals the trigger eventfd of a vector, if one is set and (for INTx) not masked. */
    public synchronized boolean raise(int index, int vector) {
        Fd fd = triggers[index][vector];
        if (fd == null || (index == 0 && intxMasked[0])) {
            return false;
        }
        try {
            EventFd.signal(fd);
            return true;
        } catch (NativeException e) {
            return false;
        }
    }

    @Override
    public IrqInfo irqInfo(int index) throws VfioException {
        if (index < 0 || index >= IRQ_COUNTS.length) {
            throw VfioException.invalid("no irq index " + index);
        }
        int flags = Vfio.IRQ_INFO_EVENTFD
                | (index == 0 ? Vfio.IRQ_INFO_MASKABLE | Vfio.IRQ_INFO_AUTOMASKED : Vfio.IRQ_INFO_NORESIZE);
        return new IrqInfo(index, flags, IRQ_COUNTS[index]);
    }

    @Override
    public synchronized void setIrqs(IrqSet s) throws VfioException {
        if (s.index() < 0 || s.index() >= IRQ_COUNTS.length) {
            throw VfioException.invalid("no irq index " + s.index());
        }
        Fd[] slots = triggers[s.index()];
        if (s.count() == 0) {
            if (s.dataType() == Vfio.IRQ_SET_DATA_NONE && s.action() == Vfio.IRQ_SET_ACTION_TRIGGER) {
                for (int i = 0; i < slots.length; i++) {
                    replace(slots, i, null);
                }
                return;
            }
            throw VfioException.invalid("count 0");
        }
        if (s.start() < 0 || s.start() + (long) s.count() > slots.length) {
            throw VfioException.invalid("vectors " + s.start() + "+" + s.count() + " of " + slots.length);
        }
        switch (s.dataType()) {
            case Vfio.IRQ_SET_DATA_EVENTFD -> {
                if (s.action() == Vfio.IRQ_SET_ACTION_TRIGGER) {
                    for (int i = 0; i < s.count(); i++) {
                        replace(
                                slots,
                                s.start() + i,
                                s.eventfds().isEmpty() ? null : s.eventfds().get(i));
                    }
                } else {
                    s.eventfds().forEach(Fd::close); // mask/unmask notification fds: not modelled
                }
            }
            case Vfio.IRQ_SET_DATA_NONE, Vfio.IRQ_SET_DATA_BOOL -> {
                for (int i = 0; i < s.count(); i++) {
                    boolean on = s.dataType() == Vfio.IRQ_SET_DATA_NONE || s.bools()[i] != 0;
                    if (!on) {
                        continue;
                    }
                    int v = s.start() + i;
                    switch (s.action()) {
                        case Vfio.IRQ_SET_ACTION_MASK -> maskIntx(s.index(), true);
                        case Vfio.IRQ_SET_ACTION_UNMASK -> maskIntx(s.index(), false);
                        default -> raise(s.index(), v);
                    }
                }
            }
            default -> throw VfioException.invalid("data type");
        }
    }

    private void maskIntx(int index, boolean masked) {
        if (index == 0) {
            intxMasked[0] = masked;
        }
    }

    private static void replace(Fd[] slots, int i, Fd fd) {
        if (slots[i] != null && slots[i] != fd) {
            slots[i].close();
        }
        slots[i] = fd;
    }

    /** How many trigger eventfds the device holds. */
    public synchronized int eventfdsHeld() {
        int n = 0;
        for (Fd[] slots : triggers) {
            for (Fd fd : slots) {
                n += fd != null ? 1 : 0;
            }
        }
        return n;
    }

    @Override
    public synchronized void reset() {
        resets++;
        bar1.fill((byte) 0);
        resetConfig();
        intxMasked[0] = false;
    }

    @Override
    public synchronized void attach(DmaSpace dma) {
        attaches++;
        this.dma = dma;
    }

    @Override
    public synchronized void detach() {
        detaches++;
        dma = DmaSpace.NONE;
        for (Fd[] slots : triggers) {
            for (int i = 0; i < slots.length; i++) {
                replace(slots, i, null);
            }
        }
        intxMasked[0] = false;
    }

    public synchronized int attaches() {
        return attaches;
    }

    public synchronized int detaches() {
        return detaches;
    }

    public synchronized int resets() {
        return resets;
    }

    public synchronized boolean attached() {
        return attaches > detaches;
    }

    /** BAR0 as the device sees it. */
    public MemorySegment bar0() {
        return bar0.segment();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        detach();
        bar0.close();
        bar0Fd.close();
        arena.close();
    }
}
