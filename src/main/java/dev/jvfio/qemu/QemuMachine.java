package dev.jvfio.qemu;

/** The QEMU machine types qemu-args knows how to size for a Grace Hopper GPU. */
public enum QemuMachine {
    /** x86 q35: the 64-bit PCI hole is a property of the host bridge (q35-pcihost). */
    Q35("q35", "qemu-system-x86_64"),
    /** arm virt: the 64-bit window is the machine's highmem-mmio-size (QEMU 10.0+). */
    VIRT("virt", "qemu-system-aarch64");

    private final String qemuName;
    private final String binary;

    QemuMachine(String qemuName, String binary) {
        this.qemuName = qemuName;
        this.binary = binary;
    }

    public String qemuName() {
        return qemuName;
    }

    public String binary() {
        return binary;
    }

    public static QemuMachine parse(String text) {
        for (QemuMachine m : values()) {
            if (m.qemuName.equals(text)) return m;
        }
        throw new IllegalArgumentException("'" + text + "' is not a machine; allowed: q35, virt");
    }
}
