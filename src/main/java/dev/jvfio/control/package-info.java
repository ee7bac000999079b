/**
 * The control socket of {@code jvfio serve} (docs/faults.md, docs/qemu.md): a line protocol of
 * JSON objects, its server (who may connect, bounded requests, one answer each), its client for
 * {@code jvfio ctl}, and the graceful unplug (ask the VMM to let a device go, wait, give up with a
 * reason). It sees served devices only through {@link dev.jvfio.control.ServedDevice}.
 */
package dev.jvfio.control;
