package dev.jvfio.conform;

/**
 * The payloads of well-formed requests, field by field as the specification lays them out
 * (offsets after the 16-byte header). Malformed variants are built from these by the checks.
 */
final class Requests {
    private Requests() {}

    /** DEVICE_GET_INFO (VU-4.1): argsz 16, the rest zero. */
    static byte[] deviceInfo() {
        return Le.payload().u32(16).u32(0).u32(0).u32(0).toBytes();
    }

    /** DEVICE_GET_REGION_INFO (VU-4.2): argsz, flags, index, cap_offset, size, offset. */
    static byte[] regionInfo(long index, long argsz) {
        return Le.payload().u32(argsz).u32(0).u32(index).u32(0).u64(0).u64(0).toBytes();
    }

    /** DEVICE_GET_REGION_IO_FDS (VU-4.6): argsz, flags, index, count. */
    static byte[] ioFds(long index, long argsz) {
        return Le.payload().u32(argsz).u32(0).u32(index).u32(0).toBytes();
    }

    /** DEVICE_GET_IRQ_INFO (VU-4.4): argsz 16, flags, index, count. */
    static byte[] irqInfo(long index) {
        return Le.payload().u32(16).u32(0).u32(index).u32(0).toBytes();
    }

    /** DEVICE_SET_IRQS (VU-4.5): argsz (the whole payload), flags, index, start, count, data. */
    static byte[] setIrqs(int flags, long index, long start, long count, byte[] data) {
        return Le.payload()
                .u32(20 + data.length)
                .u32(flags)
                .u32(index)
                .u32(start)
                .u32(count)
                .bytes(data)
                .toBytes();
    }

    /** REGION_READ (VU-5.1): offset, region, count. */
    static byte[] read(long offset, long region, long count) {
        return Le.payload().u64(offset).u32(region).u32(count).toBytes();
    }

    /** REGION_WRITE (VU-5.1): offset, region, count, data. */
    static byte[] write(long offset, long region, byte[] data) {
        return Le.payload().u64(offset).u32(region).u32(data.length).bytes(data).toBytes();
    }

    /** DMA_MAP (VU-6.1): argsz 32, flags, file offset, address, size. */
    static byte[] dmaMap(int flags, long fileOffset, long address, long size) {
        return Le.payload()
                .u32(32)
                .u32(flags)
                .u64(fileOffset)
                .u64(address)
                .u64(size)
                .toBytes();
    }

    /** DMA_UNMAP (VU-6.2): argsz 24 (room for the echoed entry), flags, address, size. */
    static byte[] dmaUnmap(int flags, long address, long size) {
        return Le.payload().u32(24).u32(flags).u64(address).u64(size).toBytes();
    }

    /** DEVICE_FEATURE (VU-7.2): argsz, flags, data. */
    static byte[] feature(long argsz, int flags, byte[] data) {
        return Le.payload().u32(argsz).u32(flags).bytes(data).toBytes();
    }

    /** MIG_DATA_READ: argsz (room for the reply), size. */
    static byte[] migRead(long size) {
        return Le.payload().u32(8 + size).u32(size).toBytes();
    }

    /** MIG_DATA_WRITE: argsz, size, data. */
    static byte[] migWrite(byte[] data) {
        return Le.payload().u32(8 + data.length).u32(data.length).bytes(data).toBytes();
    }
}
