package dev.jvfio.device;

/**
 * The device states of VFIO migration v2 ({@code enum vfio_device_mig_state} of the kernel's uAPI,
 * carried unchanged by vfio-user's MIG_DEVICE_STATE feature). The P2P states exist in the numbering
 * but vfio-user leaves them unused: no device here offers them.
 */
public enum MigrationState {
    ERROR(0),
    STOP(1),
    RUNNING(2),
    STOP_COPY(3),
    RESUMING(4),
    RUNNING_P2P(5),
    PRE_COPY(6),
    PRE_COPY_P2P(7);

    private final int wire;

    MigrationState(int wire) {
        this.wire = wire;
    }

    /** The number on the wire and in the uAPI. */
    public int wire() {
        return wire;
    }

    /** The state with that number, or null for a number no state has. */
    public static MigrationState of(int wire) {
        for (MigrationState s : values()) {
            if (s.wire == wire) return s;
        }
        return null;
    }

    /** Whether the device produces a data stream in this state (reads are valid). */
    public boolean saving() {
        return this == PRE_COPY || this == STOP_COPY || this == PRE_COPY_P2P;
    }
}
