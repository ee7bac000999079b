package dev.jvfio.conform;

/**
 * The numbers of the vfio-user specification (QEMU docs/interop/vfio-user.rst) and of the
 * {@code <linux/vfio.h>} structures it reuses, written down here rather than taken from jvfio's
 * own device or server code: the checker must not share a mistake with the server it checks.
 */
final class Spec {
    private Spec() {}

    /** Header flags (VU-2.1). */
    static final int TYPE_MASK = 0xF;

    static final int TYPE_COMMAND = 0;
    static final int TYPE_REPLY = 1;
    static final int NO_REPLY = 0x10;
    static final int ERROR = 0x20;
    static final int HEADER = 16;

    /** DEVICE_GET_INFO flags (VU-4.1). */
    static final int DEVICE_RESET = 1;

    static final int DEVICE_PCI = 2;
    /** vfio.h: BAR0-5, ROM, CONFIG, VGA; and INTx, MSI, MSI-X, ERR, REQ. */
    static final int PCI_NUM_REGIONS = 9;

    static final int PCI_NUM_IRQS = 5;
    static final int PCI_CONFIG_REGION = 7;

    /** Region info flags and capabilities (VU-4.2, VU-4.3). */
    static final int REGION_READ = 1;

    static final int REGION_WRITE = 2;
    static final int REGION_MMAP = 4;
    static final int REGION_CAPS = 8;
    static final int REGION_INFO_SIZE = 32;
    static final int CAP_SPARSE_MMAP = 1;
    static final int CAP_TYPE = 2;

    /** IRQ info flags (VU-4.4) and SET_IRQS flags (VU-4.5). */
    static final int IRQ_INFO_EVENTFD = 1;

    static final int IRQ_INFO_MASKABLE = 2;
    static final int IRQ_INFO_KNOWN = 0xF;
    static final int IRQ_DATA_NONE = 1;
    static final int IRQ_DATA_BOOL = 2;
    static final int IRQ_DATA_EVENTFD = 4;
    static final int IRQ_ACTION_MASK = 8;
    static final int IRQ_ACTION_UNMASK = 16;
    static final int IRQ_ACTION_TRIGGER = 32;

    /** DMA_MAP flags (VU-6.1); bit 0 of DMA_UNMAP asked for a dirty bitmap in earlier revisions. */
    static final int DMA_READ = 1;

    static final int DMA_WRITE = 2;
    static final int UNMAP_GET_DIRTY_BITMAP = 1;

    /** DEVICE_FEATURE (VU-7.2): flags bits 0-15 feature, 16 GET, 17 SET, 18 PROBE. */
    static final int FEATURE_GET = 1 << 16;

    static final int FEATURE_SET = 1 << 17;
    static final int FEATURE_PROBE = 1 << 18;
    static final int FEATURE_MIGRATION = 1;
    static final int FEATURE_MIG_DEVICE_STATE = 2;
    static final long MIGRATION_STOP_COPY = 1;
    static final long MIGRATION_P2P = 2;
    static final long MIGRATION_PRE_COPY = 4;

    /** Migration states (vfio_device_mig_state). */
    static final int STATE_ERROR = 0;

    static final int STATE_STOP = 1;
    static final int STATE_RUNNING = 2;
    static final int STATE_STOP_COPY = 3;
    static final int STATE_RESUMING = 4;
    static final int STATE_RUNNING_P2P = 5;
    static final int STATE_PRE_COPY = 6;
    static final int STATE_PRE_COPY_P2P = 7;

    static String stateName(int state) {
        return switch (state) {
            case STATE_ERROR -> "ERROR";
            case STATE_STOP -> "STOP";
            case STATE_RUNNING -> "RUNNING";
            case STATE_STOP_COPY -> "STOP_COPY";
            case STATE_RESUMING -> "RESUMING";
            case STATE_RUNNING_P2P -> "RUNNING_P2P";
            case STATE_PRE_COPY -> "PRE_COPY";
            case STATE_PRE_COPY_P2P -> "PRE_COPY_P2P";
            default -> "state " + state;
        };
    }

    /** The largest errno Linux defines is below this; an error reply's errno must be a real one. */
    static final int MAX_ERRNO = 4095;
}
