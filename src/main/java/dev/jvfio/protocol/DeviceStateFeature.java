package dev.jvfio.protocol;

import java.lang.foreign.MemorySegment;

/**
 * The data of the MIG_DEVICE_STATE feature (VU-10.3): {@code u32 device_state, u32 data_fd}.
 * vfio-user moves the stream by MIG_DATA_READ/WRITE, so data_fd carries no fd; replies set it to
 * {@link #NO_FD}, as a client built on the kernel's code takes any value 0 or above for an fd.
 */
public final class DeviceStateFeature {
    private DeviceStateFeature() {}

    public static final int SIZE = 8;
    /** 0xFFFFFFFF: the kernel's -1. */
    public static final int NO_FD = -1;

    private static final int OFF_STATE = DeviceFeatureMessage.DATA;
    private static final int OFF_FD = DeviceFeatureMessage.DATA + 4;

    public static int state(MemorySegment msg) {
        return Wire.u32(msg, OFF_STATE);
    }

    public static int dataFd(MemorySegment msg) {
        return Wire.u32(msg, OFF_FD);
    }

    public static void put(MemorySegment out, int state, int dataFd) {
        Wire.putU32(out, OFF_STATE, state);
        Wire.putU32(out, OFF_FD, dataFd);
    }
}
