/**
 * Device profiles and the factory the CLI uses: {@link dev.jvfio.profile.GpuOptions} (everything that
 * selects and tunes a device) and {@link dev.jvfio.profile.DeviceProfiles#create} (hw + nvgrace, or
 * the PCI sample device).
 */
package dev.jvfio.profile;
