/**
 * A Java vfio-user client (reference {@code docs/reference/vfio-user.md}) for tests, the inspector,
 * the benchmarks and library users who want to drive a device without QEMU. Never used by the
 * server.
 *
 * <p>Entry point: {@link dev.jvfio.client.VfioUserClient#connect}, then one request in flight at a
 * time (device, region and IRQ info, region read and write, SET_IRQS with eventfds, DMA_MAP and
 * DMA_UNMAP with fds, reset); errno errors as {@link dev.jvfio.client.VfioUserException}, a refused
 * VERSION as {@link dev.jvfio.client.HandshakeException}, the server's announced limits as
 * {@link dev.jvfio.client.ServerCapabilities}, plus raw send and receive ({@link
 * dev.jvfio.client.RawMessage}) for fuzzing.
 */
package dev.jvfio.client;
