/**
 * A small QMP client: what {@code jvfio serve} asks of the QEMU that attached a device (device_del,
 * DEVICE_DELETED) when the device must go. Knows nothing of devices or vfio-user.
 */
package dev.jvfio.qmp;
