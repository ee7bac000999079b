package dev.jvfio.sample;

import dev.jvfio.device.MappableFile;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.VfioException;
import dev.jvfio.devicestate.StateReader;
import dev.jvfio.devicestate.StateSection;
import dev.jvfio.devicestate.StateWriter;
import dev.jvfio.engine.CopyEngine;
import dev.jvfio.os.NativeException;
import dev.jvfio.pci.BarBacking;
import dev.jvfio.pci.Capability;
import dev.jvfio.pci.PciBar;
import dev.jvfio.pci.RamBacking;
import dev.jvfio.pci.ResetKind;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small PCI function on the PCI core, for tests, demos and client developers (PCI-9.x).
 *
 * <p>BAR0 (64-bit, non-prefetchable, 16 KiB):
 * <pre>
 *   0x0000-0x1FFF  RAM in a memfd, offered as an mmap sparse area
 *   0x2000         DOORBELL    (W)  writing N raises interrupt vector N (MSI-X, else MSI, else INTx)
 *   0x2004         INTX_ACK    (W)  any write deasserts INTx
 *   0x2008         ID          (R)  0x504D4153 ("SAMP")
 *   0x200C         SCRATCH     (RW) cleared by FLR and device reset
 *   0x2010         RESETS      (R)  resets seen so far (FLR and DEVICE_RESET)
 *   0x2014         DOORBELLS   (R)  doorbell writes so far
 *   0x2100-0x213F  copy engine (DMA between client memory and the RAM above; docs/dma-engine.md)
 *   0x3000         MSI-X table (4 vectors), 0x3800 PBA (emulated by the PCI core)
 * </pre>
 * The RAM is offered for mmap in whole host pages only: on a 4 KiB-page host it is one 8 KiB
 * sparse area; on a 16 or 64 KiB-page host (arm64) the BAR is smaller than a page beside the
 * MSI-X table, so all of it is trapped (REGION_READ/WRITE), as vfio-pci would do there.
 * Capabilities: Power Management, MSI (4 vectors, 64-bit, maskable), MSI-X, PCI Express endpoint
 * with FLR; INTx pin A. Ids 1234:5a31 (an unassigned id under the vendor id QEMU uses for test devices).
 * Migratable (profile "sample", docs/migration-state.md): the PCI core's state, the registers above
 * (section "sample"), the copy engine's ("engine") and the RAM by its populated extents.
 */
public final class SampleDevice {
    public static final int VENDOR_ID = 0x1234;
    public static final int DEVICE_ID = 0x5a31;
    public static final long BAR0_SIZE = 0x4000;
    public static final long RAM_SIZE = 0x2000;
    public static final int REGS = 0x2000;
    public static final int DOORBELL = REGS;
    public static final int INTX_ACK = REGS + 0x04;
    public static final int ID = REGS + 0x08;
    public static final int SCRATCH = REGS + 0x0C;
    public static final int RESETS = REGS + 0x10;
    public static final int DOORBELLS = REGS + 0x14;
    /** The {@link CopyEngine} block; its device memory is the RAM at BAR0 offset 0. */
    public static final int ENGINE = REGS + 0x100;

    public static final int ID_VALUE = 0x504D_4153;
    public static final int MSIX_VECTORS = 4;
    public static final int MSIX_TABLE = 0x3000;
    public static final int MSIX_PBA = 0x3800;

    private SampleDevice() {}

    /** A new sample function named {@code name}; its RAM lives in a fresh memfd. */
    public static VfioPciDevice create(String name) throws NativeException {
        RamBacking ram = RamBacking.memfd(name + "-bar0", RAM_SIZE, RAM_SIZE);
        return VfioPciDevice.builder(name)
                .ids(VENDOR_ID, DEVICE_ID)
                .subsystem(VENDOR_ID, 0x0001)
                .revision(1)
                .classCode(0x120000)
                .intxPin(1)
                .migratable("sample", ram.memoryImage())
                .bar(PciBar.mem64(0, BAR0_SIZE, function -> new Bar0(function, ram)))
                .capability(Capability.PowerManagement.noSoftReset())
                .capability(Capability.Msi.vectors(4).perVectorMasking().address64())
                .capability(Capability.Msix.vectors(MSIX_VECTORS)
                        .table(0, MSIX_TABLE)
                        .pba(0, MSIX_PBA))
                .capability(Capability.PciExpress.endpoint())
                .build();
    }

    /** BAR0: RAM below {@link #REGS}, registers above; made for its function, which the registers act on. */
    private static final class Bar0 implements BarBacking {
        private final RamBacking ram;
        private final Registers regs;

        Bar0(VfioPciDevice function, RamBacking ram) {
            this.ram = ram;
            this.regs = new Registers(function, CopyEngine.of(function, ram.segment()));
            function.addResetListener(regs::onReset);
            function.addStateSection(regs);
        }

        @Override
        public int read(long offset, MemorySegment dst) throws VfioException {
            if (offset + dst.byteSize() <= RAM_SIZE) {
                return ram.read(offset, dst);
            }
            for (long i = 0; i < dst.byteSize(); i++) {
                long at = offset + i;
                byte b = at < RAM_SIZE ? ram.segment().get(ValueLayout.JAVA_BYTE, at) : regs.readByte(at);
                dst.set(ValueLayout.JAVA_BYTE, i, b);
            }
            return (int) dst.byteSize();
        }

        @Override
        public int write(long offset, MemorySegment src) throws VfioException {
            long len = src.byteSize();
            if (offset + len <= RAM_SIZE) {
                return ram.write(offset, src);
            }
            if (offset >= ENGINE && offset + len <= ENGINE + CopyEngine.BLOCK_SIZE) {
                return regs.engine.write(offset - ENGINE, src);
            }
            if (offset >= REGS && len == 4 && (offset & 3) == 0) {
                regs.write32((int) offset, src.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
            } else if (offset < RAM_SIZE) {
                ram.write(
                        offset,
                        src.asSlice(0, RAM_SIZE - offset)); // the register part of a straddling write is dropped
            }
            return (int) len;
        }

        @Override
        public MappableFile mappableFile() {
            return ram.mappableFile();
        }

        @Override
        public List<SparseArea> sparseAreas() {
            return ram.sparseAreas();
        }

        @Override
        public void close() {
            ram.close();
        }
    }

    /** The register file at {@link #REGS}; its state section ("sample") holds SCRATCH and the two counters. */
    private static final class Registers implements StateSection {
        private final VfioPciDevice device;
        final CopyEngine engine;
        private volatile int scratch;
        private final AtomicInteger resets = new AtomicInteger();
        private final AtomicInteger doorbells = new AtomicInteger();

        Registers(VfioPciDevice device, CopyEngine engine) {
            this.device = device;
            this.engine = engine;
        }

        int read32(int offset) {
            return switch (offset) {
                case ID -> ID_VALUE;
                case SCRATCH -> scratch;
                case RESETS -> resets.get();
                case DOORBELLS -> doorbells.get();
                default -> 0;
            };
        }

        byte readByte(long at) {
            if (at >= ENGINE && at < ENGINE + CopyEngine.BLOCK_SIZE) {
                return (byte) (engine.read32((int) (at - ENGINE)) >>> (8 * (at & 3)));
            }
            return (byte) (read32((int) (at & ~3L)) >>> (8 * (at & 3)));
        }

        void write32(int offset, int value) {
            switch (offset) {
                case DOORBELL -> {
                    doorbells.incrementAndGet();
                    device.raiseInterrupt(value);
                }
                case INTX_ACK -> device.lowerIntx();
                case SCRATCH -> scratch = value;
                default -> {}
            }
        }

        void onReset(ResetKind kind) {
            scratch = 0;
            resets.incrementAndGet();
        }

        @Override
        public String name() {
            return "sample";
        }

        @Override
        public void save(StateWriter out) {
            out.putInt(scratch).putInt(resets.get()).putInt(doorbells.get());
        }

        @Override
        public Staged load(StateReader in) throws VfioException {
            int s = in.getInt();
            int r = in.getInt();
            int d = in.getInt();
            in.end();
            return () -> {
                scratch = s;
                resets.set(r);
                doorbells.set(d);
            };
        }
    }
}
