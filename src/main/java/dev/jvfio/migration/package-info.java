/**
 * Moving a device's migration state between two vfio-user servers, as a VMM's migration code does
 * (VU-10): {@link dev.jvfio.migration.Migrator} drives a source and a destination
 * {@link dev.jvfio.client.VfioUserClient} through the state machine and carries the data stream
 * from one to the other, without knowing anything of the stream's format or the device's regions,
 * so it works against any server that follows the protocol. The command line's {@code migrate}
 * prints its {@link dev.jvfio.migration.MigrationEvents}.
 */
package dev.jvfio.migration;
