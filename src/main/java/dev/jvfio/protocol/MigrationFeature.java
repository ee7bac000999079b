package dev.jvfio.protocol;

import java.lang.foreign.MemorySegment;

/**
 * The data of the MIGRATION feature (VU-10.3): {@code u64 flags}, the migration states the device
 * offers beyond RUNNING and ERROR. STOP_COPY is always set; P2P is never offered in vfio-user.
 */
public final class MigrationFeature {
    private MigrationFeature() {}

    public static final int SIZE = 8;
    public static final long STOP_COPY = 1;
    public static final long P2P = 2;
    public static final long PRE_COPY = 4;

    public static long flags(MemorySegment msg) {
        return Wire.u64(msg, DeviceFeatureMessage.DATA);
    }

    public static void putFlags(MemorySegment out, long flags) {
        Wire.putU64(out, DeviceFeatureMessage.DATA, flags);
    }
}
