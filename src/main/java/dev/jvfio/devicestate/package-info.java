/**
 * Device state for migration v2 ({@code docs/migration-state.md}, MIG-1.x): the versioned,
 * self-describing stream every jvfio device writes and reads, and the
 * {@link dev.jvfio.device.DeviceMigration} built on it.
 *
 * <p>Entry point: {@link dev.jvfio.devicestate.DeviceStateMigration}, made from a
 * {@link dev.jvfio.devicestate.StreamIdentity} (device kind, profile, memory size), the device's
 * {@link dev.jvfio.devicestate.StateSection}s (each part of the device saves, checks and restores
 * its own, through {@link dev.jvfio.devicestate.StateWriter} and
 * {@link dev.jvfio.devicestate.StateReader}) and optionally its memory as a
 * {@link dev.jvfio.devicestate.MemoryImage}, moved by its populated extents with a digest per chunk.
 * A PCI function gets one from its builder ({@code migratable}); the nvgrace variant composes its
 * own. Knows no PCI and no vfio-user: the server moves the bytes.
 */
package dev.jvfio.devicestate;
