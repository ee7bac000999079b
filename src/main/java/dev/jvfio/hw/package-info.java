/**
 * The simulated hardware under the nvgrace variant, as a physical GH200/GB200 sits under the kernel
 * driver (reference {@code docs/reference/nvgrace-gpu.md}): the physical PCI function with the NVIDIA
 * DVSEC (NV-1, NV-2.3), BAR0 registers with readiness timing after reset (NV-7), firmware memory
 * properties (NV-2.1) and device memory in one sparse memfd or a backing file.
 *
 * <p>Entry point: {@link dev.jvfio.hw.SimulatedGraceGpu#create} from a {@link dev.jvfio.hw.GpuSpec};
 * {@link dev.jvfio.hw.SimulatedGraceGpu#physicalFunction} gives the PCI core's builder for the host
 * to build its function from, and {@link dev.jvfio.hw.Bar0Registers#connectEngine} connects the
 * simulation's copy engine ({@code docs/dma-engine.md}) once the host knows which memory it copies.
 * The variant sees the hardware only through {@link dev.jvfio.hw.GpuHardware},
 * {@link dev.jvfio.hw.DeviceMemory} and {@link dev.jvfio.hw.FirmwareProperties}, so a real backend
 * could replace the simulation. Knows nothing of VFIO beyond the PCI core's builders.
 */
package dev.jvfio.hw;
