package dev.jvfio.server;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.Errno;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.RegionAccessMessage;
import dev.jvfio.protocol.RegionInfoMessage;
import dev.jvfio.protocol.RegionIoFdsMessage;
import dev.jvfio.protocol.WriteMultiMessage;
import java.lang.foreign.MemorySegment;

/**
 * The region requests of one session (VU-4, VU-5): GET_REGION_INFO (with the region's fd when it
 * is mmap-able), GET_REGION_IO_FDS, and REGION_READ/WRITE/WRITE_MULTI, each checked against the
 * device's regions and the announced max_data_xfer_size before the device sees it. Each method
 * returns the reply size in {@code out} or a negative errno; a reply that carries more than
 * {@code out} leaves it in {@link #replyFd()} or {@link #replyData()}.
 */
final class RegionRequests {
    /** REGION_READs of this many bytes or more ask the device for a zero-copy view first. */
    private static final int ZERO_COPY_READ = 64 * 1024;

    private final VfioDevice device;
    private final DeviceInfo info;
    private final ServerOptions options;
    private final MemorySegment out;
    private final RegionAccessMessage access = new RegionAccessMessage();
    private final WriteMultiMessage writeMulti = new WriteMultiMessage();

    private Fd replyFd;
    /** Data of a REGION_READ reply sent straight from device memory (after the fixed part in out). */
    private MemorySegment replyData;

    RegionRequests(VfioDevice device, DeviceInfo info, ServerOptions options, MemorySegment out) {
        this.device = device;
        this.info = info;
        this.options = options;
        this.out = out;
    }

    /** Forgets the attachments of the previous reply; called before each request. */
    void newRequest() {
        replyFd = null;
        replyData = null;
    }

    /** The fd to send with the reply (GET_REGION_INFO of an mmap-able region), or null. */
    Fd replyFd() {
        return replyFd;
    }

    /** Device memory to send after the reply's fixed part (a large REGION_READ), or null. */
    MemorySegment replyData() {
        return replyData;
    }

    int info(MemorySegment m, int id) throws VfioException {
        int errno = RegionInfoMessage.check(m);
        if (errno != 0) {
            return -errno;
        }
        long index = RegionInfoMessage.index(m);
        if (!hasRegion(index)) {
            return -Errno.EINVAL;
        }
        RegionInfo region = RegionPages.clip(device.regionInfo((int) index), options.pageSize());
        long argsz = RegionInfoMessage.argsz(m);
        int n = RegionInfoMessage.encodeReply(out, id, region, argsz);
        if (n > 0 && RegionInfoMessage.complete(region, argsz) && region.mappable()) {
            replyFd = region.file().fd();
        }
        return n;
    }

    int ioFds(MemorySegment m, int id) {
        int errno = RegionIoFdsMessage.check(m);
        if (errno != 0) {
            return -errno;
        }
        long index = RegionIoFdsMessage.index(m);
        if (!hasRegion(index)) {
            return -Errno.EINVAL;
        }
        return RegionIoFdsMessage.encodeEmptyReply(out, id, (int) index);
    }

    int read(MemorySegment m, int id) throws VfioException {
        int errno = checkAccess(m, false);
        if (errno != 0) {
            return -errno;
        }
        long region = access.region();
        int count = access.count();
        long offset = access.offset();
        if (count >= ZERO_COPY_READ) {
            MemorySegment view = device.readView((int) region, offset, count);
            if (view != null && view.byteSize() == count) {
                replyData = view; // sent straight from device memory: a large read skips the copy into out
                return RegionAccessMessage.encodeReadReply(out, id, offset, (int) region, count);
            }
        }
        int n = device.read((int) region, offset, out.asSlice(RegionAccessMessage.DATA, count));
        if (n < 0 || n > count) {
            return -Errno.EIO;
        }
        return RegionAccessMessage.encodeReadReply(out, id, offset, (int) region, n);
    }

    int write(MemorySegment m, int id) throws VfioException {
        int errno = checkAccess(m, true);
        if (errno != 0) {
            return -errno;
        }
        long region = access.region();
        int count = access.count();
        long offset = access.offset();
        int n = device.write((int) region, offset, access.data());
        if (n < 0 || n > count) {
            return -Errno.EIO;
        }
        return RegionAccessMessage.encodeWriteReply(out, id, offset, (int) region, n);
    }

    int writeMulti(MemorySegment m, int id) throws VfioException {
        int errno = writeMulti.wrap(m);
        if (errno != 0) {
            return -errno;
        }
        for (int i = 0; i < writeMulti.entries(); i++) {
            long region = writeMulti.region(i);
            if (!hasRegion(region)) {
                return -Errno.EINVAL;
            }
            device.write((int) region, writeMulti.offset(i), writeMulti.data(i));
        }
        return WriteMultiMessage.encodeReply(out, id, writeMulti.entries());
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
