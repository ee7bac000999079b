/**
 * The vfio-user server (reference {@code docs/reference/vfio-user.md}, VU-1, VU-3, VU-8):
 * {@link dev.jvfio.server.VfioUserServer} listens on a socket path and
 * serves one {@link dev.jvfio.device.VfioDevice} to one client at a time, each client on its own
 * platform thread (a {@code Session}): VERSION first, then requests answered in order, DMA windows
 * mapped from client fds into a {@code DmaTable} and charged to a process-wide
 * {@link dev.jvfio.server.MappingBudget}, IRQ eventfds handed to the device, and everything released
 * when the client goes away. The device reaches client memory through a {@code ClientMemory} (its
 * {@link dev.jvfio.device.DmaSpace}): fd-backed windows directly, windows without an fd by
 * DMA_READ/WRITE messages to the client ({@code MessageDma}).
 */
package dev.jvfio.server;
