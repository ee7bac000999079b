package dev.jvfio.pci;

import dev.jvfio.device.IrqSet;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A test PCI function with every feature, plus helpers for config and BAR access. */
public final class TestFunction {
    public static final int MSIX_VECTORS = 8;
    public static final int MSIX_TABLE = 0x8000;
    public static final int MSIX_PBA = 0x9000;

    public static PciDeviceBuilder builder() {
        return VfioPciDevice.builder("test")
                .ids(0x1b36, 0x0010)
                .subsystem(0x1af4, 0x1100)
                .revision(2)
                .classCode(0x120000)
                .intxPin(1)
                .bar(PciBar.mem64(0, 0x10000, RamBacking.heap(0x10000)))
                .bar(PciBar.mem32(2, 0x1000, RamBacking.heap(0x1000)).prefetchable())
                .bar(PciBar.io(3, 32, RamBacking.heap(32)))
                .bar(PciBar.mem64(4, 8L << 30, BarBacking.zeros()).prefetchable())
                .rom(new PciRom(0x1000, RamBacking.heap(0x1000)))
                .capability(Capability.PowerManagement.noSoftReset())
                .capability(Capability.Msi.vectors(4).perVectorMasking().address64())
                .capability(Capability.Msix.vectors(MSIX_VECTORS)
                        .table(0, MSIX_TABLE)
                        .pba(0, MSIX_PBA))
                .capability(Capability.PciExpress.endpoint())
                .extendedCapability(new ExtendedCapability.Dvsec(0x10de, 1, 3, new byte[] {0, 0, 1, 0, 0, 0}, null))
                .extendedCapability(new ExtendedCapability.SerialNumber(0x0102030405060708L));
    }

    public static VfioPciDevice build() {
        return builder().build();
    }

    public static int cfg32(VfioPciDevice d, int off) throws VfioException {
        return (int) read(d, Vfio.PCI_CONFIG_REGION_INDEX, off, 4);
    }

    public static int cfg16(VfioPciDevice d, int off) throws VfioException {
        return (int) read(d, Vfio.PCI_CONFIG_REGION_INDEX, off, 2);
    }

    public static void cfgWrite(VfioPciDevice d, int off, int width, long v) throws VfioException {
        write(d, Vfio.PCI_CONFIG_REGION_INDEX, off, width, v);
    }

    public static long read(VfioPciDevice d, int region, long off, int width) throws VfioException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(width);
            int n = d.read(region, off, s);
            if (n != width) {
                throw new AssertionError("short read " + n);
            }
            long v = 0;
            for (int i = 0; i < width; i++) {
                v |= (long) (s.get(ValueLayout.JAVA_BYTE, i) & 0xFF) << (8 * i);
            }
            return v;
        }
    }

    public static void write(VfioPciDevice d, int region, long off, int width, long v) throws VfioException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(width);
            for (int i = 0; i < width; i++) {
                s.set(ValueLayout.JAVA_BYTE, i, (byte) (v >>> (8 * i)));
            }
            d.write(region, off, s);
        }
    }

    public static void enableMemory(VfioPciDevice d) throws VfioException {
        cfgWrite(d, PciHeader.COMMAND, 2, cfg16(d, PciHeader.COMMAND) | PciHeader.COMMAND_MEMORY);
    }

    public static int cap(VfioPciDevice d, int id) {
        return d.capabilities().find(id).orElseThrow();
    }

    /** n eventfds installed on an IRQ index; the device gets duplicates. */
    public static final class Vectors implements AutoCloseable {
        final List<EventFd> fds = new ArrayList<>();

        Vectors(VfioPciDevice d, int index, int n) throws Exception {
            List<Fd> dups = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                EventFd e = EventFd.create();
                fds.add(e);
                dups.add(e.fd().duplicate());
            }
            d.setIrqs(new IrqSet(
                    index, Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER, 0, n, new byte[0], dups));
        }

        /** Whether vector i was signalled since the last check (non-blocking: signals are synchronous). */
        boolean fired(int i) throws Exception {
            return fds.get(i).await(Duration.ZERO);
        }

        @Override
        public void close() {
            fds.forEach(EventFd::close);
        }
    }

    public static IrqSet action(int index, int action, int start, int count) {
        return new IrqSet(index, Vfio.IRQ_SET_DATA_NONE | action, start, count, new byte[0], List.of());
    }

    private TestFunction() {}

    public static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
}
