/**
 * The vfio-user wire format (reference {@code docs/reference/vfio-user.md}, VU-2 to VU-7): the
 * 16-byte {@link dev.jvfio.protocol.Header}, the {@link dev.jvfio.protocol.Command} numbers and one
 * codec per command. No I/O, no state beyond the flyweight being decoded.
 *
 * <p>Decoders wrap a whole message (header included, its byte size equal to the header's size
 * field) and return 0 or a Linux errno; they never throw for bad input. Encoders write into a
 * caller-owned, reused segment and return the message size. Where QEMU 10.2's client and the spec
 * disagree, the codec follows QEMU and says why (region-info short replies, DMA_READ/WRITE layout).
 */
package dev.jvfio.protocol;
