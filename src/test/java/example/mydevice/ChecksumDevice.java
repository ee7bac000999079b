package example.mydevice;

import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.VfioException;
import dev.jvfio.pci.BarBacking;
import dev.jvfio.pci.Capability;
import dev.jvfio.pci.PciBar;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32C;

public final class ChecksumDevice {
    public static final int ADDR_LO = 0x00; // RW: guest address of the buffer
    public static final int ADDR_HI = 0x04;
    public static final int LEN = 0x08; // RW: its length, 1 .. MAX_LEN bytes
    public static final int DOORBELL = 0x0C; // W: 1 starts a checksum
    public static final int STATUS = 0x10; // R: one of the STATUS_ values
    public static final int CRC = 0x14; // R: the last result
    public static final int STATUS_IDLE = 0, STATUS_BUSY = 1, STATUS_DONE = 2, STATUS_FAULT = 3;
    public static final int MAX_LEN = 64 << 10;
    public static final int MSIX_TABLE = 0x800, MSIX_PBA = 0xC00;

    private ChecksumDevice() {}

    public static VfioPciDevice create(String name) {
        return VfioPciDevice.builder(name)
                .ids(0x1234, 0x5a33) // choose your own ids
                .classCode(0xff0000)
                .bar(PciBar.mem32(0, 4096, Engine::new)) // the backing is made with its function
                .capability(Capability.Msix.vectors(1).table(0, MSIX_TABLE).pba(0, MSIX_PBA))
                .capability(Capability.PciExpress.endpoint())
                .build();
    }

    /**
     * BAR0: reads LEN bytes of guest memory at ADDR, writes their CRC-32C right after them, then
     * raises MSI-X vector 0. The work runs on a thread of the device, after the doorbell's reply.
     */
    static final class Engine implements BarBacking {
        private final VfioPciDevice function;
        private final ExecutorService worker = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("checksum").factory());
        private long addr; // the registers, guarded by this
        private int len;
        private int status;
        private int crc;
        private int generation; // bumped by a reset: a job of an older generation reports nothing

        Engine(VfioPciDevice function) {
            this.function = function;
        }

        @Override
        public synchronized int read(long offset, MemorySegment dst) {
            int value = switch ((int) offset) {
                case ADDR_LO -> (int) addr;
                case ADDR_HI -> (int) (addr >>> 32);
                case LEN -> len;
                case STATUS -> status;
                case CRC -> crc;
                default -> 0;
            };
            dst.fill((byte) 0);
            if (dst.byteSize() == 4) {
                dst.set(ValueLayout.JAVA_INT_UNALIGNED, 0, value);
            }
            return (int) dst.byteSize();
        }

        @Override
        public synchronized int write(long offset, MemorySegment src) {
            if (src.byteSize() != 4) {
                return (int) src.byteSize(); // registers take 4-byte writes only
            }
            int value = src.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
            switch ((int) offset) {
                case ADDR_LO -> addr = addr & 0xFFFF_FFFF_0000_0000L | Integer.toUnsignedLong(value);
                case ADDR_HI -> addr = addr & 0xFFFF_FFFFL | (long) value << 32;
                case LEN -> len = value;
                case DOORBELL -> ring();
                default -> {}
            }
            return 4;
        }

        /** Runs on the server's thread, before the reply: checks, then hands the work over. */
        private void ring() {
            if (status == STATUS_BUSY) {
                return;
            }
            if (len < 1 || len > MAX_LEN || !function.busMasterEnabled()) {
                status = STATUS_FAULT;
                return;
            }
            status = STATUS_BUSY;
            DmaSpace dma = function.dma();
            long at = addr;
            int length = len;
            int job = generation;
            // Never touch guest memory before the reply: the client may not serve DMA until then.
            dma.afterReply(() -> worker.execute(() -> checksum(dma, at, length, job)));
        }

        /** Runs on the device's own thread. */
        private void checksum(DmaSpace dma, long at, int length, int job) {
            int result;
            int outcome;
            try {
                byte[] data = new byte[length];
                dma.read(at, MemorySegment.ofArray(data));
                CRC32C c = new CRC32C();
                c.update(data);
                result = (int) c.getValue();
                MemorySegment out = MemorySegment.ofArray(new byte[4]);
                out.set(ValueLayout.JAVA_INT_UNALIGNED, 0, result);
                dma.write(at + length, out);
                outcome = STATUS_DONE;
            } catch (VfioException e) { // nothing mapped there, or read-only: a DmaFault
                result = 0;
                outcome = STATUS_FAULT;
            }
            synchronized (this) {
                if (job != generation) {
                    return; // a reset came first
                }
                crc = result;
                status = outcome;
            }
            function.raiseInterrupt(0); // outside our lock: the function takes its own
        }

        @Override
        public synchronized void reset() {
            addr = 0;
            len = 0;
            status = STATUS_IDLE;
            crc = 0;
            generation++;
        }

        @Override
        public void close() {
            worker.shutdownNow();
        }
    }
}
