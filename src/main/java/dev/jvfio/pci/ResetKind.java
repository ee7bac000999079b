package dev.jvfio.pci;

/**
 * Which reset happened: a Function Level Reset through PCIe DEVCTL bit 15, VFIO/vfio-user
 * DEVICE_RESET, or the soft reset of a D3hot to D0 transition on a function whose PMCSR
 * No_Soft_Reset bit is clear (PCI-3.8).
 */
public enum ResetKind {
    FLR,
    DEVICE_RESET,
    PM_RESET
}
