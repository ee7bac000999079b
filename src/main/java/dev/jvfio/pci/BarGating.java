package dev.jvfio.pci;

/**
 * When trapped accesses to a BAR region are refused with EIO.
 *
 * <p>{@link #DECODE}: the vfio-pci-core rule (NV-6.3) — a memory BAR only while the command register's
 * memory-enable bit is set and the function is not in D3hot; an I/O BAR only while I/O-enable is set
 * (the kernel's core leaves I/O BARs ungated; variants such as virtio-vfio-pci gate their emulated
 * I/O BAR this way, and we apply it to every I/O BAR). {@link #NEVER}: always accessible, the
 * nvgrace-gpu choice for its emulated memory (NV-6.2).
 */
public enum BarGating {
    DECODE,
    NEVER
}
