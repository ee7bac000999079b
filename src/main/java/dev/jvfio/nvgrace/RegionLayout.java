package dev.jvfio.nvgrace;

/**
 * How device memory is exposed to the VFIO user (reference NV-6.4), chosen per device; when the
 * firmware reports no device memory neither applies and the device passes through (NV-2.2).
 */
public enum RegionLayout {
    /** Upstream: usemem as BAR4/5, resmem as BAR2/3, each with one sparse mmap area (NV-3, NV-5). */
    BAR,
    /**
     * The reviewer's rejected alternative: BARs 2..5 masked (size 0), all device memory as one
     * mmap-only device-specific region (region 9, NVIDIA vendor type, subtype 1), plus a small
     * read-only region with the firmware properties (region 10, subtype 2) from which the VMM builds
     * the guest's ACPI description itself.
     */
    REGION
}
