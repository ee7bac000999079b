package dev.jvfio.pci;

/** Offsets and bits of the type-0 configuration header and the capability ids (PCI 3.0, PCIe 6.0). */
public final class PciHeader {
    private PciHeader() {}

    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_PROG = 0x09;
    public static final int CLASS_DEVICE = 0x0A;
    public static final int CACHE_LINE_SIZE = 0x0C;
    public static final int LATENCY_TIMER = 0x0D;
    public static final int HEADER_TYPE = 0x0E;
    public static final int BIST = 0x0F;
    public static final int BAR0 = 0x10;
    public static final int CARDBUS_CIS = 0x28;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2C;
    public static final int SUBSYSTEM_ID = 0x2E;
    public static final int ROM_ADDRESS = 0x30;
    public static final int CAPABILITY_LIST = 0x34;
    public static final int INTERRUPT_LINE = 0x3C;
    public static final int INTERRUPT_PIN = 0x3D;
    public static final int MIN_GNT = 0x3E;
    public static final int MAX_LAT = 0x3F;

    // Command register bits.
    public static final int COMMAND_IO = 1;
    public static final int COMMAND_MEMORY = 1 << 1;
    public static final int COMMAND_MASTER = 1 << 2;
    public static final int COMMAND_SPECIAL = 1 << 3;
    public static final int COMMAND_INVALIDATE = 1 << 4;
    public static final int COMMAND_VGA_PALETTE = 1 << 5;
    public static final int COMMAND_PARITY = 1 << 6;
    public static final int COMMAND_WAIT = 1 << 7;
    public static final int COMMAND_SERR = 1 << 8;
    public static final int COMMAND_FAST_BACK = 1 << 9;
    public static final int COMMAND_INTX_DISABLE = 1 << 10;

    // Status register bits.
    public static final int STATUS_IMM_READY = 1;
    public static final int STATUS_INTERRUPT = 1 << 3;
    public static final int STATUS_CAP_LIST = 1 << 4;
    public static final int STATUS_66MHZ = 1 << 5;
    public static final int STATUS_UDF = 1 << 6;
    public static final int STATUS_FAST_BACK = 1 << 7;
    public static final int STATUS_PARITY = 1 << 8;
    public static final int STATUS_DEVSEL_MASK = 0x600;
    public static final int STATUS_SIG_TARGET_ABORT = 1 << 11;
    public static final int STATUS_REC_TARGET_ABORT = 1 << 12;
    public static final int STATUS_REC_MASTER_ABORT = 1 << 13;
    public static final int STATUS_SIG_SYSTEM_ERROR = 1 << 14;
    public static final int STATUS_DETECTED_PARITY = 1 << 15;
    /** The error bits of the status register, all write-1-to-clear. */
    public static final int STATUS_W1C = STATUS_PARITY
            | STATUS_SIG_TARGET_ABORT
            | STATUS_REC_TARGET_ABORT
            | STATUS_REC_MASTER_ABORT
            | STATUS_SIG_SYSTEM_ERROR
            | STATUS_DETECTED_PARITY;

    /** Command bits a type-0 function lets the guest write (I/O, memory, master, parity, SERR, INTx disable). */
    public static final int COMMAND_WRITABLE =
            COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER | COMMAND_PARITY | COMMAND_SERR | COMMAND_INTX_DISABLE;

    public static final int ROM_ENABLE = 1;
    public static final int ROM_ADDRESS_MASK = 0xFFFF_F800;

    // Standard capability ids.
    public static final int CAP_ID_PM = 0x01;
    public static final int CAP_ID_MSI = 0x05;
    public static final int CAP_ID_VNDR = 0x09;
    public static final int CAP_ID_EXP = 0x10;
    public static final int CAP_ID_MSIX = 0x11;

    // Extended capability ids.
    public static final int EXT_CAP_ID_ERR = 0x01;
    public static final int EXT_CAP_ID_DSN = 0x03;
    public static final int EXT_CAP_ID_PWR = 0x04;
    public static final int EXT_CAP_ID_VNDR = 0x0B;
    public static final int EXT_CAP_ID_LTR = 0x18;
    public static final int EXT_CAP_ID_DVSEC = 0x23;

    /** First extended capability. */
    public static final int EXT_CAP_START = 0x100;
}
