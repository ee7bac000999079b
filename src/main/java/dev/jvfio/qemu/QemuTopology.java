package dev.jvfio.qemu;

/**
 * How qemu-args lays out the guest's CPU+RAM NUMA nodes and where the GPUs' root ports sit.
 * Either way each GPU owns 8 memory-less nodes after the CPU+RAM nodes (NV-8.2).
 */
public enum QemuTopology {
    /**
     * Two CPU+RAM nodes (0 and 1) whatever the GPU count, every GPU's root port on the main host
     * bridge (pcie.0): the guest sees no GPU locality (numa_node -1). GPU g owns nodes 2+8g..9+8g.
     */
    FLAT("flat"),
    /**
     * A GH200 NVL2 / GB200 NVL4 node: one CPU+RAM node per GPU (superchip), and each GPU's root port
     * behind its own PCIe expander bridge (pxb-pcie) whose numa_node is that CPU node, so the guest
     * sees the GPU next to its Grace CPU. With N GPUs, GPU g owns nodes N+8g..N+7+8g.
     */
    GRACE("grace");

    private final String optionName;

    QemuTopology(String optionName) {
        this.optionName = optionName;
    }

    public String optionName() {
        return optionName;
    }

    public static QemuTopology parse(String text) {
        for (QemuTopology t : values()) {
            if (t.optionName.equals(text)) return t;
        }
        throw new IllegalArgumentException("'" + text + "' is not a topology; allowed: flat, grace");
    }
}
