package dev.jvfio.bench;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.sample.SampleDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Where the trapped and bulk rows aim on a device, found from its region infos so that the rows
 * work on any PCI device: trapped writes go to a BAR offset the server cannot hand out as a
 * mapping (on the sample device its scratch register, which has no side effect); bulk transfers
 * go to a readable and writable BAR large enough for the biggest chunk.
 */
final class DeviceTargets {
    static final int RW = Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE;

    private DeviceTargets() {}

    /** A region and an offset in it. */
    record Access(int region, long offset, boolean trapped) {
        String describe() {
            return "region " + region + " offset 0x" + Long.toHexString(offset)
                    + (trapped ? " (trapped)" : " (mmap-able, accessed through the socket)");
        }
    }

    static Access trappedWrite(VfioUserClient client) throws IOException, VfioException {
        int ids = MemorySegment.ofArray(client.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, 4))
                .get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (ids == (SampleDevice.DEVICE_ID << 16 | SampleDevice.VENDOR_ID)) {
            return new Access(Vfio.PCI_BAR0_REGION_INDEX, SampleDevice.SCRATCH, true);
        }
        Access best = null;
        for (int i = Vfio.PCI_BAR0_REGION_INDEX; i <= Vfio.PCI_BAR5_REGION_INDEX; i++) {
            RegionInfo r = client.regionInfo(i);
            if (r.size() < 4 || (r.flags() & RW) != RW) {
                continue;
            }
            long offset = firstTrappedOffset(r);
            if (offset >= 0) {
                return new Access(i, offset, true);
            }
            if (best == null) {
                best = new Access(i, 0, false);
            }
        }
        if (best == null) {
            throw new IOException("the device has no readable and writable BAR for trapped writes");
        }
        return best;
    }

    /**
     * A BAR for bulk transfers: readable, writable, at least {@code largestChunk} bytes, preferring
     * prefetchable (memory-like) BARs over register BARs, then trapped over mmap-able ones. All
     * transfers go through the socket either way.
     */
    static Access bulk(VfioUserClient client, long largestChunk) throws IOException, VfioException {
        Access best = null;
        int bestScore = -1;
        for (int i = Vfio.PCI_BAR0_REGION_INDEX; i <= Vfio.PCI_BAR5_REGION_INDEX; i++) {
            RegionInfo r = client.regionInfo(i);
            if (r.size() < largestChunk || (r.flags() & RW) != RW) {
                continue;
            }
            boolean trapped = (r.flags() & Vfio.REGION_INFO_FLAG_MMAP) == 0;
            int bar = MemorySegment.ofArray(client.read(Vfio.PCI_CONFIG_REGION_INDEX, 0x10 + 4L * i, 4))
                    .get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            boolean prefetchable = (bar & 0x1) == 0 && (bar & 0x8) != 0;
            int score = (prefetchable ? 2 : 0) + (trapped ? 1 : 0);
            if (score > bestScore) {
                best = new Access(i, 0, trapped);
                bestScore = score;
            }
        }
        if (best == null) {
            throw new IOException("the device has no readable and writable BAR of " + largestChunk + " bytes or more");
        }
        return best;
    }

    /** The first 4-byte aligned offset of a region outside its mmap-able areas, or -1. */
    private static long firstTrappedOffset(RegionInfo r) {
        if ((r.flags() & Vfio.REGION_INFO_FLAG_MMAP) == 0) {
            return 0;
        }
        if (r.sparseAreas().isEmpty()) {
            return -1; // all of it may be mapped
        }
        long at = 0;
        boolean moved = true;
        while (moved && at + 4 <= r.size()) {
            moved = false;
            for (SparseArea a : r.sparseAreas()) {
                if (at >= a.offset() && at < a.offset() + a.size()) {
                    at = (a.offset() + a.size() + 3) & ~3L;
                    moved = true;
                }
            }
        }
        return at + 4 <= r.size() ? at : -1;
    }

    /** Sets the command register's memory-space bit, so BAR access is decoded (PCI gating). */
    static void enableMemory(VfioUserClient client) throws IOException, VfioException {
        byte[] cmd = client.read(Vfio.PCI_CONFIG_REGION_INDEX, 4, 2);
        cmd[0] |= 0x2;
        client.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, cmd);
    }
}
