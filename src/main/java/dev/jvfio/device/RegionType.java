package dev.jvfio.device;

/** VFIO_REGION_INFO_CAP_TYPE: type and subtype of a device-specific region (index >= 9). */
public record RegionType(int type, int subtype) {}
