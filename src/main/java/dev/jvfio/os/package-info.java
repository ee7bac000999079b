/**
 * The Linux resources the device and server APIs pass around, over {@code java.lang.foreign}:
 * {@link dev.jvfio.os.Fd} (an owned file descriptor), {@link dev.jvfio.os.EventFd} (interrupt
 * delivery), {@link dev.jvfio.os.Memfd} and {@link dev.jvfio.os.BackingFile} (memory a client may
 * map), {@link dev.jvfio.os.MappedMemory} (an mmap as a segment), {@link dev.jvfio.os.PageSize}
 * (the host page size areas are cut to), {@link dev.jvfio.os.NativeException} with a
 * {@link dev.jvfio.os.LinuxErrno} number.
 *
 * <p>The C library bindings themselves stay package-private; the linker and errno capture they
 * share with the transport layer, and the readers of {@code /proc}, live in packages the module
 * does not export.
 */
package dev.jvfio.os;
