package dev.jvfio.device;

/** One mmap-able window of a region (VFIO_REGION_INFO_CAP_SPARSE_MMAP area), in region offsets. */
public record SparseArea(long offset, long size) {}
