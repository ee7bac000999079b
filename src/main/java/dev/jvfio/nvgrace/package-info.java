/**
 * The nvgrace-gpu vfio-pci variant (reference {@code docs/reference/nvgrace-gpu.md}) on top of the
 * PCI core: {@link dev.jvfio.nvgrace.NvGraceGpuDevice} wraps a {@link dev.jvfio.pci.VfioPciDevice}
 * and overrides what the Linux driver overrides. Pure pieces, each testable alone:
 * {@link dev.jvfio.nvgrace.MemoryLayout} (carving, NV-2.4/2.5), {@link dev.jvfio.nvgrace.EmulatedBars}
 * (config BAR shadows, NV-3), {@link dev.jvfio.nvgrace.TrappedMemory} (BAR read/write, NV-4),
 * {@link dev.jvfio.nvgrace.Readiness} (NV-7), {@link dev.jvfio.nvgrace.RegionInfos} (NV-5, region
 * layout), {@link dev.jvfio.nvgrace.MemoryEnablePolicy} (NV-6, with the reasoning).
 *
 * <p>Knows no sockets and not how the hardware is simulated: it talks to the GPU only through
 * {@link dev.jvfio.hw.GpuHardware}, {@link dev.jvfio.hw.DeviceMemory} and
 * {@link dev.jvfio.hw.FirmwareProperties}.
 *
 * <p>Limits of vfio-user that the kernel does not have: the server cannot refuse or revoke a
 * client's mmap, so NV-5.2's range check is offered as {@link dev.jvfio.nvgrace.RegionInfos#mmapCheck}
 * for clients, mappings are never revoked (the Linux 6.18 behaviour of NV-5.3), and cacheable versus
 * write-combine mapping attributes are the client's choice.
 */
package dev.jvfio.nvgrace;
