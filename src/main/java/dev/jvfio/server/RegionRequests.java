package dev.jvfio.server;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.Errno;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.protocol.RegionAccessMessage;
import dev.jvfio.protocol.RegionInfoMessage;
import dev.jvfio.protocol.RegionIoFdsMessage;
import dev.jvfio.protocol.WriteMultiMessage;
import java.lang.foreign.MemorySegment;

/**
 * The region requests of one session (VU-4, VU-5): GET_REGION_INFO (with the region's fd when it
 * is mmap-able), GET_REGION_IO_FDS, and REGION_READ/WRITE/WRITE_MULTI, each checked against the
 * device's regions and the announced max_data_xfer_size before the device sees it. Each method
 * fills the session's {@link Reply}: its size in {@code out} or an errno, and what a reply carries
 * beyond {@code out} (the region's fd, or read data sent straight from device memory).
 */
final class RegionRequests {
    /** REGION_READs of this many bytes or more ask the device for a zero-copy view first. */
    private static final int ZERO_COPY_READ = 64 * 1024;

    private final VfioDevice device;
    private final DeviceInfo info;
    private final ServerOptions options;
    private final MemorySegment out;
    private final Reply reply;
    private final ServerMetrics metrics;
    private final RegionAccessMessage access = new RegionAccessMessage();
    private final WriteMultiMessage writeMulti = new WriteMultiMessage();

    RegionRequests(
            VfioDevice device,
            DeviceInfo info,
            ServerOptions options,
            MemorySegment out,
            Reply reply,
            ServerMetrics metrics) {
        this.metrics = metrics;
        this.device = device;
        this.info = info;
        this.options = options;
        this.out = out;
        this.reply = reply;
    }

    Reply info(MemorySegment m, int id) throws VfioException {
        int errno = RegionInfoMessage.check(m);
        if (errno != 0) {
            return reply.error(errno);
        }
        long index = RegionInfoMessage.index(m);
        if (!hasRegion(index)) {
            return reply.error(Errno.EINVAL);
        }
        RegionInfo region = RegionPages.clip(device.regionInfo((int) index), options.pageSize());
        long argsz = RegionInfoMessage.argsz(m);
        reply.encoded(RegionInfoMessage.encodeReply(out, id, region, argsz));
        if (!reply.failed() && RegionInfoMessage.complete(region, argsz) && region.mappable()) {
            reply.withFd(region.file().fd());
        }
        return reply;
    }

    Reply ioFds(MemorySegment m, int id) {
        int errno = RegionIoFdsMessage.check(m);
        if (errno != 0) {
            return reply.error(errno);
        }
        long index = RegionIoFdsMessage.index(m);
        if (!hasRegion(index)) {
            return reply.error(Errno.EINVAL);
        }
        return reply.sized(RegionIoFdsMessage.encodeEmptyReply(out, id, (int) index));
    }

    Reply read(MemorySegment m, int id) throws VfioException {
        int errno = checkAccess(m, false);
        if (errno != 0) {
            return reply.error(errno);
        }
        long region = access.region();
        int count = access.count();
        long offset = access.offset();
        if (count >= ZERO_COPY_READ) {
            MemorySegment view = device.readView((int) region, offset, count);
            if (view != null && view.byteSize() == count) {
                // the fixed part from out, the data straight from device memory: no copy into out
                int fixed = RegionAccessMessage.encodeReadReply(out, id, offset, (int) region, count) - count;
                metrics.regionRead(count);
                return reply.sized(fixed).withData(view);
            }
        }
        int n = device.read((int) region, offset, out.asSlice(RegionAccessMessage.DATA, count));
        if (n < 0 || n > count) {
            return reply.error(Errno.EIO);
        }
        metrics.regionRead(n);
        return reply.sized(RegionAccessMessage.encodeReadReply(out, id, offset, (int) region, n));
    }

    Reply write(MemorySegment m, int id) throws VfioException {
        int errno = checkAccess(m, true);
        if (errno != 0) {
            return reply.error(errno);
        }
        long region = access.region();
        int count = access.count();
        long offset = access.offset();
        int n = device.write((int) region, offset, access.data());
        if (n < 0 || n > count) {
            return reply.error(Errno.EIO);
        }
        metrics.regionWritten(n);
        return reply.sized(RegionAccessMessage.encodeWriteReply(out, id, offset, (int) region, n));
    }

    Reply writeMulti(MemorySegment m, int id) throws VfioException {
        int errno = writeMulti.wrap(m);
        if (errno != 0) {
            return reply.error(errno);
        }
        for (int i = 0; i < writeMulti.entries(); i++) {
            long region = writeMulti.region(i);
            if (!hasRegion(region)) {
                return reply.error(Errno.EINVAL);
            }
            MemorySegment data = writeMulti.data(i);
            device.write((int) region, writeMulti.offset(i), data);
            metrics.regionWritten(data.byteSize());
        }
        return reply.sized(WriteMultiMessage.encodeReply(out, id, writeMulti.entries()));
    }

    /** Whether {@code index} (unsigned, from the wire) names one of the device's regions. */
    private boolean hasRegion(long index) {
        return index >= 0 && index < Integer.toUnsignedLong(info.numRegions());
    }

    /** Decodes a REGION_READ/WRITE into {@code access} and checks its region; 0 or an errno. */
    private int checkAccess(MemorySegment m, boolean write) {
        int errno = access.wrap(m, write, options.maxDataXferSize());
        if (errno != 0) {
            return errno;
        }
        return hasRegion(access.region()) ? 0 : Errno.EINVAL;
    }
}
