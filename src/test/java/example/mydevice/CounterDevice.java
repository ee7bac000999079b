package example.mydevice;

import dev.jvfio.device.VfioException;
import dev.jvfio.pci.BarBacking;
import dev.jvfio.pci.Capability;
import dev.jvfio.pci.PciBar;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A device written the way a library user writes one: outside the {@code dev.jvfio} packages, against
 * the module's exported API only (PCI core builder, a BAR backing, the server and the client). BAR0 is
 * 4 KiB of 32-bit registers; {@link #COUNTER} counts the writes to {@link #VALUE}.
 */
public final class CounterDevice {
    public static final int VENDOR_ID = 0x1234;
    public static final int DEVICE_ID = 0x11e5;
    public static final long BAR0_SIZE = 0x1000;
    /** Read-write register. */
    public static final int VALUE = 0x0;
    /** Read-only: writes to {@link #VALUE} so far. */
    public static final int COUNTER = 0x4;

    private CounterDevice() {}

    public static VfioPciDevice create(String name) {
        return VfioPciDevice.builder(name)
                .ids(VENDOR_ID, DEVICE_ID)
                .classCode(0xFF0000)
                .bar(PciBar.mem32(0, BAR0_SIZE, new Registers()))
                .capability(Capability.PciExpress.endpoint())
                .build();
    }

    /** BAR0: an array of 32-bit registers; VALUE writes bump COUNTER. */
    private static final class Registers implements BarBacking {
        private final int[] regs = new int[(int) (BAR0_SIZE / 4)];

        @Override
        public synchronized int read(long offset, MemorySegment dst) throws VfioException {
            for (long i = 0; i < dst.byteSize(); i++) {
                long at = offset + i;
                dst.set(ValueLayout.JAVA_BYTE, i, (byte) (regs[(int) (at / 4)] >>> (8 * (at % 4))));
            }
            return (int) dst.byteSize();
        }

        @Override
        public synchronized int write(long offset, MemorySegment src) throws VfioException {
            if (offset == VALUE && src.byteSize() == 4) {
                regs[VALUE / 4] = src.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                regs[COUNTER / 4]++;
            }
            return (int) src.byteSize();
        }
    }
}
