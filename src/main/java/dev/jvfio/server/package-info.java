/**
 * The vfio-user server (reference {@code docs/reference/vfio-user.md}, VU-1, VU-3, VU-8):
 * {@link dev.jvfio.server.VfioUserServer} listens on a socket path and
 * serves one {@link dev.jvfio.device.VfioDevice} to one client at a time, each client on its own
 * platform thread (a {@code Session}): VERSION first, then requests answered in order, DMA windows
 * mapped from client fds (a {@code DmaTable} that is the device's {@link dev.jvfio.device.DmaSpace}),
 * IRQ eventfds handed to the device, and everything released when the client goes away.
 * Message DMA (DMA_READ/WRITE to the client) is not implemented: windows without an fd answer
 * device accesses with EFAULT.
 */
package dev.jvfio.server;
