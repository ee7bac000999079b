/**
 * Device profiles and the factory the command line uses: {@link dev.jvfio.profile.GpuProfile} (the
 * GH200, GB200 and GB300 shapes of NV-1 and NV-2), {@link dev.jvfio.profile.GpuOptions} (everything
 * that selects and tunes a device) and {@link dev.jvfio.profile.DeviceProfiles#create}, which wires
 * the simulated hardware, the PCI core, the nvgrace variant and the copy engine together, or builds
 * the PCI sample device. A library user who wants a GPU without the command line calls
 * {@link dev.jvfio.profile.DeviceProfiles#createGpu} and serves the result.
 */
package dev.jvfio.profile;
