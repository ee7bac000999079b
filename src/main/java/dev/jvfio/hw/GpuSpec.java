package dev.jvfio.hw;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What distinguishes one simulated Grace GPU: identity, memory, firmware and timing.
 *
 * @param deviceId            PCI device id (0x2342 GH200, 0x2941 GB200, ...)
 * @param subsystemId         PCI subsystem id (vendor 0x10de)
 * @param migHardwareBugFixed Grace Blackwell: the DVSEC MIG bit is set, no carve-out needed (NV-2.3)
 * @param memorySize          bytes of device memory the firmware reports; 0 = chip-to-chip link down
 * @param firmwareProperties  false: the firmware has no memory properties at all (NV-2.2)
 * @param memBasePa           firmware memory base physical address
 * @param pxmStart            first proximity domain of the GPU memory nodes
 * @param pxmCount            number of GPU memory proximity domains (8)
 * @param notReadyAfterReset  how long the readiness registers read "not ready" after a reset
 * @param backingFile         null = anonymous sparse memfd; else a file whose content persists
 */
public record GpuSpec(
        int deviceId,
        int subsystemId,
        boolean migHardwareBugFixed,
        long memorySize,
        boolean firmwareProperties,
        long memBasePa,
        long pxmStart,
        long pxmCount,
        Duration notReadyAfterReset,
        Path backingFile) {
    /** Where device memory of the first GPU sits in a GH200's system address map. */
    public static final long DEFAULT_MEM_BASE_PA = 0x4000_0000_0000L;
    /** GPU memory nodes follow the CPU's node 0 and the second socket's node 1. */
    public static final long DEFAULT_PXM_START = 2;
    /**
     * Longest not-ready time after a reset: an hour. Past the driver's 30 s wait (NV-7.1) every
     * access after a reset already fails with ETIME; the bound keeps the clock arithmetic exact.
     */
    public static final Duration MAX_NOT_READY_AFTER_RESET = Duration.ofHours(1);

    public GpuSpec {
        Objects.requireNonNull(notReadyAfterReset, "notReadyAfterReset");
        if (notReadyAfterReset.isNegative() || notReadyAfterReset.compareTo(MAX_NOT_READY_AFTER_RESET) > 0) {
            throw new IllegalArgumentException("not-ready time after reset must be 0 to "
                    + MAX_NOT_READY_AFTER_RESET.toMinutes() + " minutes: " + notReadyAfterReset);
        }
        if (memorySize < 0) {
            throw new IllegalArgumentException("negative memory size");
        }
    }

    public static GpuSpec of(int deviceId, boolean migHardwareBugFixed, long memorySize) {
        return new GpuSpec(
                deviceId,
                0x16cb,
                migHardwareBugFixed,
                memorySize,
                true,
                DEFAULT_MEM_BASE_PA,
                DEFAULT_PXM_START,
                FirmwareProperties.DEFAULT_PXM_COUNT,
                Duration.ZERO,
                null);
    }

    public GpuSpec withNotReadyAfterReset(Duration d) {
        return new GpuSpec(
                deviceId,
                subsystemId,
                migHardwareBugFixed,
                memorySize,
                firmwareProperties,
                memBasePa,
                pxmStart,
                pxmCount,
                d,
                backingFile);
    }

    public GpuSpec withFirmwareProperties(boolean present) {
        return new GpuSpec(
                deviceId,
                subsystemId,
                migHardwareBugFixed,
                memorySize,
                present,
                memBasePa,
                pxmStart,
                pxmCount,
                notReadyAfterReset,
                backingFile);
    }

    public GpuSpec withBackingFile(Path p) {
        return new GpuSpec(
                deviceId,
                subsystemId,
                migHardwareBugFixed,
                memorySize,
                firmwareProperties,
                memBasePa,
                pxmStart,
                pxmCount,
                notReadyAfterReset,
                p);
    }
}
