package dev.jvfio.protocol;

import java.lang.foreign.MemorySegment;

/**
 * The data of the MIG_DATA_SIZE feature (VU-10.3): {@code u64 stop_copy_length}, the bytes the
 * STOP_COPY phase would send if it began now. The kernel's feature 9; the vfio-user spec lacks it.
 */
public final class DataSizeFeature {
    private DataSizeFeature() {}

    public static final int SIZE = 8;

    public static long stopCopyLength(MemorySegment msg) {
        return Wire.u64(msg, DeviceFeatureMessage.DATA);
    }

    public static void put(MemorySegment out, long stopCopyLength) {
        Wire.putU64(out, DeviceFeatureMessage.DATA, stopCopyLength);
    }
}
