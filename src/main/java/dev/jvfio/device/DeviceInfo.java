package dev.jvfio.device;

/** struct vfio_device_info: flags ({@link Vfio#DEVICE_FLAGS_PCI} ...), region and IRQ-index counts. */
public record DeviceInfo(int flags, int numRegions, int numIrqs) {}
