/**
 * The vfio-user server (reference {@code docs/reference/vfio-user.md}: VU-1 transport and client
 * lifetime, VU-2 message conventions, VU-3 version negotiation, VU-4 and VU-5 device and region
 * requests, VU-6 client memory, VU-7 reset, and QEMU's client as seen on the wire in VU-8).
 *
 * <p>Entry point: {@link dev.jvfio.server.VfioUserServer#start}, which listens on a socket path and
 * serves one {@link dev.jvfio.device.VfioDevice} to one client at a time until
 * {@link dev.jvfio.server.VfioUserServer#close()}; {@link dev.jvfio.server.ServerOptions} (limits
 * announced at VERSION, who may connect, page size) and {@link dev.jvfio.server.ServerListener}
 * (connects, disconnects, refusals; by default to the {@code dev.jvfio.server} System.Logger).
 *
 * <p>Each client is served on its own platform thread (a {@code Session}): VERSION first, then
 * requests answered in order (posted writes answered with nothing, VU-8.8), DMA windows mapped from
 * client fds into a {@code DmaTable} and charged to a process-wide
 * {@link dev.jvfio.server.MappingBudget}, the device reaching them through a {@code ClientMemory}
 * (its {@link dev.jvfio.device.DmaSpace}), windows without an fd reached by DMA_READ/DMA_WRITE messages in QEMU's layout (VU-8.4), sent only while no
 * request is being served (VU-8.5), IRQ eventfds handed to the device, and everything released when
 * the client goes away (VU-1.4).
 */
package dev.jvfio.server;
