/**
 * A conformance checker for any vfio-user server ({@code jvfio conform}): a careful client that
 * checks, one {@link dev.jvfio.conform.Check} at a time, what the vfio-user specification requires
 * of a server (docs/reference/vfio-user.md, QEMU's docs/interop/vfio-user.rst).
 *
 * <p>Every expectation comes from the specification; nothing here reads jvfio's server, device or
 * PCI code, so the checker is as fair to other servers as to jvfio. It encodes its requests and
 * decodes the replies itself, byte by byte, and trusts no reply: a malformed one is a FAIL with the
 * reason, never an exception. Each check opens its own connections, so whatever it mapped or
 * assigned is released when it hangs up (VU-1.4); the runner resets the device at the end.
 */
package dev.jvfio.conform;
