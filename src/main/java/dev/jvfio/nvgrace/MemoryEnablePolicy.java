package dev.jvfio.nvgrace;

/**
 * What trapped reads and writes of the emulated memory BARs do with the PCI command register's
 * memory-enable bit (and D3hot). Reference NV-6; selectable per device.
 *
 * <p>The reasoning, in short. A real PCI BAR stops decoding when memory-enable is clear, and
 * vfio-pci-core enforces that for real BARs: read/write fail with EIO and mmaps are revoked under
 * a lock, so user space cannot touch a disabled BAR by any path. The first nvgrace-gpu proposal
 * returned EIO from read/write on a private flag but left mmaps alone; review rejected it because
 * honouring the bit on one path only pretends to be a BAR. The merged driver instead relies on what
 * the GPU itself does: with memory disabled, or while a reset is in progress, the hardware answers
 * reads with all ones and drops writes, without a system error, and the VMM owns the guest's view
 * of the decoder anyway (QEMU unmaps the BAR from the guest while the guest has decode off). So the
 * kernel never consults the bit on this path.
 *
 * <p>A vfio-user server has an extra constraint: once it has passed the memory file to the client,
 * it cannot take a mapping back. Any policy that gates access must therefore offer no mmap at all.
 */
public enum MemoryEnablePolicy {
    /**
     * Upstream nvgrace-gpu (default): the bit is never consulted (NV-4.3, NV-6.2). Mappings are
     * offered and stay valid.
     */
    IGNORE,
    /**
     * What the GPU hardware does (NV-6.2): while memory decode is off, or a reset is in progress,
     * trapped reads return all ones and trapped writes are dropped; no error, and no EIO or wait
     * after a reset either (the GPU's answer replaces the kernel's NV-4.5 gate). Mappings are still
     * offered (they cannot be revoked; a mapped access is the VMM's business, as upstream argues).
     */
    HARDWARE,
    /**
     * vfio-pci-core's rule for real BARs (NV-6.3): EIO while memory decode is off or the function
     * is in D3hot, checked on the live command register (so it holds after a reset too, unlike the
     * private flag of v15, NV-6.1). Because a vfio-user server cannot revoke a mapping it has handed
     * out, this policy offers NO mmap areas, so every access is trapped and gated.
     */
    STRICT;

    /** Whether the BAR regions may advertise mmap areas under this policy. */
    public boolean allowsMmap() {
        return this != STRICT;
    }
}
