package dev.jvfio.nvgrace;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * How the variant shows device memory to the VFIO user, chosen once when the device is probed:
 *
 * <ul>
 *   <li>{@link PassThroughPresentation}: no memory properties or size 0, so no variant at all,
 *       plain vfio-pci (NV-2.2);</li>
 *   <li>{@link BarPresentation}: upstream, usemem as BAR4 and resmem as BAR2 with emulated BAR
 *       registers, trapped access and sparse mmap areas (NV-3, NV-4, NV-5, NV-6);</li>
 *   <li>{@link RegionPresentation}: the alternative upstream argued about, BARs 2..5 masked and the
 *       memory served as device-specific regions (NV-6.4).</li>
 * </ul>
 *
 * <p>{@link NvGraceGpuDevice} checks that it is open and otherwise hands every region request to
 * its presentation, which forwards what it does not own to the PCI core.
 */
sealed interface MemoryPresentation permits PassThroughPresentation, BarPresentation, RegionPresentation {

    /** The carved device memory (NV-2.4, NV-2.5), empty when passing through (NV-2.2). */
    Optional<MemoryLayout> layout();

    /** The device info, given the core's. */
    DeviceInfo info(DeviceInfo core);

    RegionInfo regionInfo(int index) throws VfioException;

    int read(int region, long offset, MemorySegment dst) throws VfioException;

    /** See {@link dev.jvfio.device.VfioDevice#readView}: memory that a read would copy unchanged, or null. */
    MemorySegment readView(int region, long offset, long count) throws VfioException;

    int write(int region, long offset, MemorySegment src) throws VfioException;

    /** Open and DEVICE_RESET, not FLR: the emulated BAR registers start at zero (NV-3.2). */
    void clearShadows();

    /** Any reset, FLR or DEVICE_RESET: the next trapped access checks readiness first (NV-4.5). */
    void resetHappened();

    /** The emulated BAR registers a guest wrote (NV-3), or null when the presentation has none to migrate. */
    default EmulatedBars emulatedBars() {
        return null;
    }
}
