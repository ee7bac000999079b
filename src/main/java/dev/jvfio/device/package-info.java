/**
 * The VFIO device model a vfio-user server serves, with no PCI and no wire format in it: what a
 * device author implements or receives (reference {@code docs/reference/vfio-user.md}, VU-4 to VU-7).
 *
 * <p>Entry points: {@link dev.jvfio.device.VfioDevice}, the Java counterpart of the kernel's
 * {@code vfio_device_ops} (info, regions, region access, IRQ info and SET_IRQS, reset, attach and
 * detach of a client, close); the answers it gives ({@link dev.jvfio.device.DeviceInfo},
 * {@link dev.jvfio.device.RegionInfo} made by name as {@code absent}, {@code trapped} or
 * {@code mappable}, {@link dev.jvfio.device.IrqInfo}); the request it gets
 * ({@link dev.jvfio.device.IrqSet}); errors as {@link dev.jvfio.device.VfioException} with a Linux
 * errno from {@link dev.jvfio.device.Errno}; and the client's memory,
 * {@link dev.jvfio.device.DmaSpace}, given at attach.
 *
 * <p>DMA keeps the reply-ordering rule of VU-8.5 inside the library: a device that starts work from
 * a register write hands it to {@link dev.jvfio.device.DmaSpace#afterReply} and then reads and
 * writes client memory from its own thread; it never waits on the server itself. Faults come back
 * as {@link dev.jvfio.device.DmaFault}.
 */
package dev.jvfio.device;
