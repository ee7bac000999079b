/**
 * The nvgrace-gpu vfio-pci variant (reference {@code docs/reference/nvgrace-gpu.md}, NV-*) on top of
 * the PCI core: {@link dev.jvfio.nvgrace.NvGraceGpuDevice} wraps a {@link dev.jvfio.pci.VfioPciDevice}
 * and overrides what the Linux driver overrides.
 *
 * <p>Entry point: {@link dev.jvfio.nvgrace.NvGraceGpuDevice#probe}, given the core built from the
 * hardware's physical function, the {@link dev.jvfio.hw.GpuHardware} under it and the options.
 *
 * <p>Public: the device, its {@link dev.jvfio.nvgrace.NvGraceOptions} and their choices
 * ({@link dev.jvfio.nvgrace.MemoryEnablePolicy} with the reasoning of NV-6,
 * {@link dev.jvfio.nvgrace.RegionLayout}, {@link dev.jvfio.nvgrace.CarveRule},
 * {@link dev.jvfio.nvgrace.ReadinessClock}), and the carve-out it computed
 * ({@link dev.jvfio.nvgrace.MemoryLayout}, NV-2.4/2.5; {@link dev.jvfio.nvgrace.MemorySizeRange}).
 * The rest is package-private, pure pieces each testable alone: one memory presentation per layout
 * ({@code PassThroughPresentation} NV-2.2, {@code BarPresentation} NV-3 to NV-6,
 * {@code RegionPresentation} NV-6.4), the config BAR shadows ({@code EmulatedBars}, NV-3), trapped
 * BAR access ({@code TrappedMemory}, NV-4), readiness ({@code Readiness}, NV-7) and region info
 * ({@code RegionInfos}, NV-5).
 *
 * <p>Knows no sockets and not how the hardware is simulated: it talks to the GPU only through
 * {@link dev.jvfio.hw.GpuHardware}, {@link dev.jvfio.hw.DeviceMemory} and
 * {@link dev.jvfio.hw.FirmwareProperties}.
 *
 * <p>Limits of vfio-user that the kernel does not have: the server cannot refuse or revoke a
 * client's mmap, so NV-5.2's range check ({@code RegionInfos.mmapCheck}) guards nothing at run time
 * and is kept as the model the tests check the offered sparse areas against; mappings are never
 * revoked (the Linux 6.18 behaviour of NV-5.3), and cacheable versus write-combine mapping
 * attributes are the client's choice.
 */
package dev.jvfio.nvgrace;
