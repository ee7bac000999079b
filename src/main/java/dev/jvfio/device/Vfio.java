package dev.jvfio.device;

/**
 * Numbers of the VFIO device ABI ({@code linux/vfio.h}) that vfio-user reuses on the wire.
 * Named after the kernel's constants so that readers can grep both.
 */
public final class Vfio {
    private Vfio() {}

    // Device info flags (struct vfio_device_info.flags).
    public static final int DEVICE_FLAGS_RESET = 1 << 0;
    public static final int DEVICE_FLAGS_PCI = 1 << 1;
    public static final int DEVICE_FLAGS_CAPS = 1 << 7;

    // PCI region indexes.
    public static final int PCI_BAR0_REGION_INDEX = 0;
    public static final int PCI_BAR1_REGION_INDEX = 1;
    public static final int PCI_BAR2_REGION_INDEX = 2;
    public static final int PCI_BAR3_REGION_INDEX = 3;
    public static final int PCI_BAR4_REGION_INDEX = 4;
    public static final int PCI_BAR5_REGION_INDEX = 5;
    public static final int PCI_ROM_REGION_INDEX = 6;
    public static final int PCI_CONFIG_REGION_INDEX = 7;
    public static final int PCI_VGA_REGION_INDEX = 8;
    /** Number of fixed PCI regions; device-specific regions start here. */
    public static final int PCI_NUM_REGIONS = 9;

    // PCI IRQ indexes.
    public static final int PCI_INTX_IRQ_INDEX = 0;
    public static final int PCI_MSI_IRQ_INDEX = 1;
    public static final int PCI_MSIX_IRQ_INDEX = 2;
    public static final int PCI_ERR_IRQ_INDEX = 3;
    public static final int PCI_REQ_IRQ_INDEX = 4;
    public static final int PCI_NUM_IRQS = 5;

    // Region info flags.
    public static final int REGION_INFO_FLAG_READ = 1 << 0;
    public static final int REGION_INFO_FLAG_WRITE = 1 << 1;
    public static final int REGION_INFO_FLAG_MMAP = 1 << 2;
    public static final int REGION_INFO_FLAG_CAPS = 1 << 3;

    // Region info capability ids.
    public static final int REGION_INFO_CAP_SPARSE_MMAP = 1;
    public static final int REGION_INFO_CAP_TYPE = 2;
    public static final int REGION_INFO_CAP_MSIX_MAPPABLE = 3;

    /** Vendor-specific region types carry this bit plus the PCI vendor id. */
    public static final int REGION_TYPE_PCI_VENDOR_TYPE = 1 << 31;

    // IRQ info flags.
    public static final int IRQ_INFO_EVENTFD = 1 << 0;
    public static final int IRQ_INFO_MASKABLE = 1 << 1;
    public static final int IRQ_INFO_AUTOMASKED = 1 << 2;
    public static final int IRQ_INFO_NORESIZE = 1 << 3;

    // SET_IRQS flags: data type (bits 0-2) and action (bits 3-5).
    public static final int IRQ_SET_DATA_NONE = 1 << 0;
    public static final int IRQ_SET_DATA_BOOL = 1 << 1;
    public static final int IRQ_SET_DATA_EVENTFD = 1 << 2;
    public static final int IRQ_SET_ACTION_MASK = 1 << 3;
    public static final int IRQ_SET_ACTION_UNMASK = 1 << 4;
    public static final int IRQ_SET_ACTION_TRIGGER = 1 << 5;
    public static final int IRQ_SET_DATA_TYPE_MASK = IRQ_SET_DATA_NONE | IRQ_SET_DATA_BOOL | IRQ_SET_DATA_EVENTFD;
    public static final int IRQ_SET_ACTION_TYPE_MASK =
            IRQ_SET_ACTION_MASK | IRQ_SET_ACTION_UNMASK | IRQ_SET_ACTION_TRIGGER;
}
