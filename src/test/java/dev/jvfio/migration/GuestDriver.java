package dev.jvfio.migration;

import static dev.jvfio.engine.CopyEngine.CTRL_DST_DEVICE;
import static dev.jvfio.engine.CopyEngine.CTRL_INTERRUPT;
import static dev.jvfio.engine.CopyEngine.CTRL_SRC_DEVICE;
import static dev.jvfio.engine.CopyEngine.CTRL_VECTOR_SHIFT;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.engine.EngineDriver;
import dev.jvfio.hw.Bar0Registers;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.pci.PciHeader;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * What a guest's driver does to a GH200 through a VMM: config-space writes (BAR addresses, memory
 * decode, Bus Master, MSI-X enable), trapped BAR0 writes (the MSI-X table, the copy engine), and
 * the VMM's mapping of usemem (BAR4). Every access goes through {@link VfioUserClient}, as QEMU
 * forwards a vCPU's access.
 */
final class GuestDriver {
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final int CONFIG = Vfio.PCI_CONFIG_REGION_INDEX;
    static final int BAR0 = Vfio.PCI_BAR0_REGION_INDEX;
    /** jvfio's read-only guest-info block in BAR0 (docs/guest-memory.md). */
    static final long GUEST_INFO = 0xE0_0000;

    final VfioUserClient client;
    final EngineDriver engine;

    GuestDriver(VfioUserClient client) {
        this.client = client;
        this.engine = new EngineDriver(client, Bar0Registers.COPY_ENGINE);
    }

    int config32(int offset) throws Exception {
        return MemorySegment.ofArray(client.read(CONFIG, offset, 4)).get(LE32, 0);
    }

    void config32(int offset, int value) throws Exception {
        client.write(CONFIG, offset, le32(value));
    }

    void config16(int offset, int value) throws Exception {
        byte[] b = new byte[2];
        MemorySegment.ofArray(b).set(LE16, 0, (short) value);
        client.write(CONFIG, offset, b);
    }

    /** The firmware places the BARs; the driver turns on memory decode, Bus Master and MSI-X. */
    void enable() throws Exception {
        config32(PciHeader.BAR0, 0xFC00_0004); // BAR0, 64-bit
        config32(PciHeader.BAR0 + 4, 0x0000_0001);
        config32(PciHeader.BAR0 + 8, 0x8000_000C); // BAR2, 64-bit prefetchable
        config32(PciHeader.BAR0 + 12, 0x0000_0040);
        config32(PciHeader.BAR0 + 16, 0x0000_000C); // BAR4, 64-bit prefetchable
        config32(PciHeader.BAR0 + 20, 0x0000_0080);
        config16(PciHeader.COMMAND, PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER);
        int msix = msixCapability();
        config16(msix + 2, (config32(msix) >>> 16) | 0x8000);
    }

    /** The MSI-X capability's offset, found by walking the capability list. */
    int msixCapability() throws Exception {
        for (int at = config32(PciHeader.CAPABILITY_LIST) & 0xFC; at != 0; at = (config32(at) >>> 8) & 0xFC) {
            if ((config32(at) & 0xFF) == PciHeader.CAP_ID_MSIX) {
                return at;
            }
        }
        throw new AssertionError("no MSI-X capability");
    }

    int msixVectors() throws Exception {
        return ((config32(msixCapability()) >>> 16) & 0x7FF) + 1;
    }

    /** BAR0 offset of the MSI-X table (the table BIR is BAR0 on every GPU profile). */
    long msixTable() throws Exception {
        return config32(msixCapability() + 4) & ~7L;
    }

    long msixPba() throws Exception {
        return config32(msixCapability() + 8) & ~7L;
    }

    /** Programs vector {@code v}'s message address and data, as a guest's MSI-X setup does. */
    void msixEntry(int v, long address, int data) throws Exception {
        byte[] b = new byte[12];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(LE32, 0, (int) address);
        s.set(LE32, 4, (int) (address >>> 32));
        s.set(LE32, 8, data);
        client.write(BAR0, msixTable() + 16L * v, b);
    }

    /** Sets or clears vector {@code v}'s mask bit; unmasking sends a pending interrupt. */
    void msixMask(int v, boolean masked) throws Exception {
        client.write(BAR0, msixTable() + 16L * v + 12, le32(masked ? 1 : 0));
    }

    boolean msixPending(int v) throws Exception {
        return (MemorySegment.ofArray(client.read(BAR0, msixPba() + 4L * (v / 32), 4))
                                        .get(LE32, 0)
                                >>> (v % 32)
                        & 1)
                != 0;
    }

    /** Starts a copy engine copy from device memory (usemem offset) into guest memory, completion on {@code vector}. */
    void copyToGuest(long deviceOffset, long busAddress, long length, int vector) throws Exception {
        engine.program(
                deviceOffset, busAddress, length, CTRL_SRC_DEVICE | CTRL_INTERRUPT | vector << CTRL_VECTOR_SHIFT);
        engine.ring();
    }

    /** Starts a copy from guest memory into device memory (usemem offset), completion on {@code vector}. */
    void copyToDevice(long busAddress, long deviceOffset, long length, int vector) throws Exception {
        engine.program(
                busAddress, deviceOffset, length, CTRL_DST_DEVICE | CTRL_INTERRUPT | vector << CTRL_VECTOR_SHIFT);
        engine.ring();
    }

    /** The whole 4 KiB of config space as the guest reads it. */
    byte[] configSpace() throws Exception {
        return client.read(CONFIG, 0, 4096);
    }

    /**
     * What the guest reads of BAR0's trapped registers: boot and readiness registers, the copy
     * engine's block, the guest-info block, the MSI-X table and PBA.
     */
    byte[] registers() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(client.read(BAR0, Bar0Registers.BOOT_0, 16));
        out.write(client.read(BAR0, Bar0Registers.C2C_LINK_STATUS, 4));
        out.write(client.read(BAR0, Bar0Registers.HBM_TRAINING_STATUS, 4));
        out.write(client.read(BAR0, Bar0Registers.COPY_ENGINE, 0x40));
        out.write(client.read(BAR0, GUEST_INFO, 0x100));
        out.write(client.read(BAR0, msixTable(), 16 * msixVectors()));
        out.write(client.read(BAR0, msixPba(), 8));
        return out.toByteArray();
    }

    /** Usemem: the mappable part of BAR4, as the region info describes it. */
    RegionInfo usemem() throws Exception {
        return client.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
    }

    /** The VMM's mapping of usemem (what the guest reads and writes at memory speed). */
    MappedMemory mapUsemem() throws Exception {
        RegionInfo bar4 = usemem();
        return VfioUserClient.mapRegion(bar4, 0, bar4.sparseAreas().getFirst().size(), true);
    }

    private static byte[] le32(int value) {
        byte[] b = new byte[4];
        MemorySegment.ofArray(b).set(LE32, 0, value);
        return b;
    }
}
