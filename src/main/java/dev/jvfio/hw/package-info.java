/**
 * The simulated hardware under the nvgrace variant, as a physical GH200/GB200 sits under the kernel
 * driver: {@link dev.jvfio.hw.SimulatedGraceGpu} (physical PCI function with the NVIDIA DVSEC, BAR0
 * registers with readiness timing, firmware memory properties, device memory in one sparse memfd or
 * a backing file). The variant sees it only through {@link dev.jvfio.hw.GpuHardware}, so a real
 * backend could replace the simulation. Knows nothing of VFIO beyond the PCI core's builders.
 */
package dev.jvfio.hw;
