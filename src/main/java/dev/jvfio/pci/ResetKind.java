package dev.jvfio.pci;

/** Which reset happened: a Function Level Reset through PCIe DEVCTL bit 15, or VFIO/vfio-user DEVICE_RESET. */
public enum ResetKind {
    FLR, DEVICE_RESET
}
