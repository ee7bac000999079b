package dev.jvfio.server;

import dev.jvfio.device.Errno;
import dev.jvfio.protocol.DeviceFeatureMessage;
import dev.jvfio.protocol.DmaLoggingControl;
import dev.jvfio.protocol.DmaLoggingReport;
import java.lang.foreign.MemorySegment;

/**
 * The DMA logging features of one session (VU-10.12 to VU-10.14): START gives the session's
 * {@link ClientMemory} a {@link DirtyLog}, which from then on hears of every write the device makes
 * into client memory; REPORT reads and clears it; STOP (and the client leaving) drops it. Each
 * request fills the session's {@link Reply}.
 */
final class DmaLogging {
    private final ClientMemory memory;
    /** The largest bitmap a report may carry: both sides' max_data_xfer_size. */
    private final long maxBitmap;

    private final MemorySegment out;
    private final Reply reply;
    private final DmaLoggingControl control = new DmaLoggingControl();
    private final DmaLoggingReport report = new DmaLoggingReport();

    DmaLogging(ClientMemory memory, long maxBitmap, MemorySegment out, Reply reply) {
        this.memory = memory;
        this.maxBitmap = maxBitmap;
        this.out = out;
        this.reply = reply;
    }

    /** SET DMA_LOGGING_START: EBUSY while logging is on; the reply names the page size chosen. */
    Reply start(DeviceFeatureMessage f, int id) {
        MemorySegment m = f.message();
        int errno = control.wrap(m, DirtyLog.MAX_RANGES);
        if (errno != 0) {
            return reply.error(errno);
        }
        if (f.argsz() < DeviceFeatureMessage.PAYLOAD + f.dataLength()) {
            return reply.error(Errno.EINVAL);
        }
        if (memory.dirtyLog() != null) {
            return reply.error(Errno.EBUSY);
        }
        int n = (int) control.ranges();
        long[] starts = new long[n];
        long[] lengths = new long[n];
        for (int i = 0; i < n; i++) {
            starts[i] = control.iova(i);
            lengths[i] = control.length(i);
        }
        DirtyLog log = DirtyLog.of(control.pageSize(), starts, lengths);
        if (log == null) {
            return reply.error(Errno.EINVAL); // overlapping ranges
        }
        memory.dirtyLog(log);
        int size = DeviceFeatureMessage.encodeEcho(out, id, m);
        DmaLoggingControl.putPageSize(out, log.pageSize());
        return reply.sized(size);
    }

    /** SET DMA_LOGGING_STOP: ends logging (if on); whatever data came along is echoed, not read. */
    Reply stop(DeviceFeatureMessage f, int id) {
        if (f.argsz() < DeviceFeatureMessage.PAYLOAD + f.dataLength()) {
            return reply.error(Errno.EINVAL);
        }
        memory.dirtyLog(null);
        return reply.sized(DeviceFeatureMessage.encodeEcho(out, id, f.message()));
    }

    /** GET DMA_LOGGING_REPORT: the bitmap of a range inside the logged ranges; reading clears it. */
    Reply report(DeviceFeatureMessage f, int id) {
        int errno = report.wrap(f.message());
        if (errno != 0) {
            return reply.error(errno);
        }
        DirtyLog log = memory.dirtyLog();
        if (log == null || !log.covers(report.iova(), report.length())) {
            return reply.error(Errno.EINVAL);
        }
        long bytes = report.bitmapBytes();
        if (bytes > maxBitmap) {
            return reply.error(Errno.E2BIG);
        }
        int data = DmaLoggingReport.FIXED + (int) bytes;
        if (f.argsz() < DeviceFeatureMessage.PAYLOAD + data) {
            return reply.error(Errno.EINVAL);
        }
        DmaLoggingReport.encode(out, report.iova(), report.length(), report.pageSize());
        log.report(report.iova(), report.length(), report.pageShift(), out.asSlice(DmaLoggingReport.BITMAP, bytes));
        return reply.sized(DeviceFeatureMessage.encodeReply(out, id, f.flags(), data));
    }

    /** The client went away: logging ends with it. */
    void end() {
        memory.dirtyLog(null);
    }
}
