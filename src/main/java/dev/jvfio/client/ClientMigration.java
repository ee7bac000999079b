package dev.jvfio.client;

import dev.jvfio.device.MigrationState;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DataSizeFeature;
import dev.jvfio.protocol.DeviceFeatureMessage;
import dev.jvfio.protocol.DeviceStateFeature;
import dev.jvfio.protocol.DmaLoggingControl;
import dev.jvfio.protocol.DmaLoggingReport;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.MigDataMessage;
import dev.jvfio.protocol.MigrationFeature;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The migration calls of one {@link VfioUserClient} (VU-10): DEVICE_FEATURE probes and gets and
 * sets, the device state, the data stream (MIG_DATA_READ/WRITE) and DMA dirty logging. Each call is
 * one request and its reply, under the client's lock; error replies throw {@link VfioUserException}.
 * Nothing here knows any device's stream format: the bytes are the device's.
 */
public final class ClientMigration {
    /** Feature ids for {@link #probe}. */
    public static final int MIGRATION = DeviceFeatureMessage.MIGRATION;

    public static final int MIG_DEVICE_STATE = DeviceFeatureMessage.MIG_DEVICE_STATE;
    public static final int DMA_LOGGING_START = DeviceFeatureMessage.DMA_LOGGING_START;
    public static final int DMA_LOGGING_STOP = DeviceFeatureMessage.DMA_LOGGING_STOP;
    public static final int DMA_LOGGING_REPORT = DeviceFeatureMessage.DMA_LOGGING_REPORT;
    public static final int MIG_DATA_SIZE = DeviceFeatureMessage.MIG_DATA_SIZE;

    /** What the MIGRATION feature says the device offers (VU-10.3). */
    public record Support(boolean stopCopy, boolean p2p, boolean preCopy) {}

    /** One range of I/O virtual addresses to log. */
    public record Range(long iova, long length) {}

    /** From this many bytes on, stream data moves between the socket and the caller's memory directly. */
    private static final long DIRECT_TRANSFER = 64 * 1024;

    private final VfioUserClient lock;
    private final ClientConnection ch;

    ClientMigration(VfioUserClient lock, ClientConnection ch) {
        this.lock = lock;
        this.ch = ch;
    }

    /**
     * PROBE of {@code feature}, with GET and/or SET if asked (VU-10.2): true if the server supports
     * every method named, false if it answers with an error.
     */
    public boolean probe(int feature, boolean get, boolean set) throws IOException {
        int flags = feature
                | DeviceFeatureMessage.PROBE
                | (get ? DeviceFeatureMessage.GET : 0)
                | (set ? DeviceFeatureMessage.SET : 0);
        synchronized (lock) {
            int n = DeviceFeatureMessage.encodeRequest(ch.out, ch.id(), DeviceFeatureMessage.PAYLOAD, flags, 0);
            try {
                MemorySegment reply = ch.call(n, List.of());
                ch.closeReplyFds();
                if (reply.byteSize() != n) {
                    throw new IOException("PROBE reply does not echo the request: " + Header.describe(reply));
                }
                return true;
            } catch (VfioUserException e) {
                return false;
            }
        }
    }

    /** GET of a feature whose data is {@code size} bytes; returns the reply, data at {@link DeviceFeatureMessage#DATA}. */
    private MemorySegment get(int feature, int size) throws IOException, VfioUserException {
        int n = DeviceFeatureMessage.encodeRequest(
                ch.out, ch.id(), DeviceFeatureMessage.PAYLOAD + size, feature | DeviceFeatureMessage.GET, 0);
        MemorySegment reply = ch.call(n, List.of(), DeviceFeatureMessage.SIZE + size);
        ch.closeReplyFds();
        if (reply.byteSize() != DeviceFeatureMessage.SIZE + size
                || DeviceFeatureMessage.replyArgsz(reply) != DeviceFeatureMessage.PAYLOAD + size) {
            throw new IOException("malformed DEVICE_FEATURE GET reply: " + Header.describe(reply));
        }
        return reply;
    }

    /** GET MIGRATION: the states the device offers; EINVAL if it cannot migrate. */
    public Support support() throws IOException, VfioUserException {
        synchronized (lock) {
            long flags = MigrationFeature.flags(get(MIGRATION, MigrationFeature.SIZE));
            return new Support(
                    (flags & MigrationFeature.STOP_COPY) != 0,
                    (flags & MigrationFeature.P2P) != 0,
                    (flags & MigrationFeature.PRE_COPY) != 0);
        }
    }

    /** GET MIG_DEVICE_STATE. */
    public MigrationState state() throws IOException, VfioUserException {
        synchronized (lock) {
            int wire = DeviceStateFeature.state(get(MIG_DEVICE_STATE, DeviceStateFeature.SIZE));
            MigrationState s = MigrationState.of(wire);
            if (s == null) {
                throw new IOException("server reports migration state " + wire + ", which does not exist");
            }
            return s;
        }
    }

    /** SET MIG_DEVICE_STATE: the server walks the state machine there before it answers (VU-10.6). */
    public void setState(MigrationState target) throws IOException, VfioUserException {
        synchronized (lock) {
            int size = DeviceFeatureMessage.SIZE + DeviceStateFeature.SIZE;
            DeviceFeatureMessage.encodeRequest(
                    ch.out,
                    ch.id(),
                    DeviceFeatureMessage.PAYLOAD + DeviceStateFeature.SIZE,
                    MIG_DEVICE_STATE | DeviceFeatureMessage.SET,
                    DeviceStateFeature.SIZE);
            DeviceStateFeature.put(ch.out, target.wire(), DeviceStateFeature.NO_FD);
            MemorySegment reply = ch.call(size, List.of(), size);
            ch.closeReplyFds();
            if (reply.byteSize() != size) {
                throw new IOException("malformed MIG_DEVICE_STATE reply: " + Header.describe(reply));
            }
        }
    }

    /** GET MIG_DATA_SIZE: the bytes a STOP_COPY begun now would send (the kernel's feature 9). */
    public long stopCopyLength() throws IOException, VfioUserException {
        synchronized (lock) {
            return DataSizeFeature.stopCopyLength(get(MIG_DATA_SIZE, DataSizeFeature.SIZE));
        }
    }

    /**
     * MIG_DATA_READ of {@code dst.byteSize()} bytes (at most {@link VfioUserClient#maxTransfer()}):
     * returns how many came. In STOP_COPY fewer than asked is the end of the stream; in PRE_COPY 0
     * means "nothing more for now" (VU-10.9).
     */
    public int read(MemorySegment dst) throws IOException, VfioUserException {
        long want = dst.byteSize();
        if (want > lock.maxTransfer()) {
            throw new IllegalArgumentException("read of " + want + " bytes exceeds max_data_xfer_size");
        }
        synchronized (lock) {
            int n = MigDataMessage.encodeReadRequest(ch.out, ch.id(), (int) want);
            if (want >= DIRECT_TRANSFER && dst.isNative()) {
                return readDirect(n, dst);
            }
            MemorySegment reply = ch.call(n, List.of(), MigDataMessage.SIZE + want);
            ch.closeReplyFds();
            long got = MigDataMessage.replySize(reply);
            if (got < 0
                    || got > want
                    || reply.byteSize() != MigDataMessage.SIZE + got
                    || MigDataMessage.replyArgsz(reply) != MigDataMessage.PAYLOAD + got) {
                throw new IOException("malformed MIG_DATA_READ reply: " + Header.describe(reply));
            }
            MemorySegment.copy(reply, MigDataMessage.DATA, dst, 0, got);
            return (int) got;
        }
    }

    /** A large read: the data goes from the socket straight into {@code dst}, not through our buffer. */
    private int readDirect(int requestSize, MemorySegment dst) throws IOException, VfioUserException {
        ch.checkOpen();
        int id = Header.id(ch.out);
        ch.closeReplyFds();
        ch.conn.send(ch.out.asSlice(0, requestSize));
        long start = ch.receiveStart(MigDataMessage.SIZE);
        long size = Header.size(ch.in);
        if (Header.isError(ch.in) || size < MigDataMessage.SIZE || !Header.isReply(ch.in)) {
            ch.checkReply(ch.finishReceive(start), id, Command.MIG_DATA_READ); // throws for an error reply
            throw new IOException("malformed MIG_DATA_READ reply: " + Header.describe(ch.in));
        }
        MemorySegment head = ch.checkReply(ch.finishReceiveUpTo(start, MigDataMessage.SIZE), id, Command.MIG_DATA_READ);
        long got = size - MigDataMessage.SIZE;
        if (got > dst.byteSize()
                || MigDataMessage.replySize(head) != got
                || MigDataMessage.replyArgsz(head) != MigDataMessage.PAYLOAD + got) {
            throw new IOException("malformed MIG_DATA_READ reply: " + Header.describe(head));
        }
        ch.conn.receiveFully(dst.asSlice(0, got), ch.replyFds, ch.fdRoom());
        ch.closeReplyFds();
        return (int) got;
    }

    /** MIG_DATA_WRITE of {@code src} (at most {@link VfioUserClient#maxTransfer()} bytes; VU-10.10). */
    public void write(MemorySegment src) throws IOException, VfioUserException {
        long size = src.byteSize();
        if (size > lock.maxTransfer()) {
            throw new IllegalArgumentException("write of " + size + " bytes exceeds max_data_xfer_size");
        }
        synchronized (lock) {
            int n = MigDataMessage.encodeWriteRequest(ch.out, ch.id(), (int) size);
            if (size >= DIRECT_TRANSFER && src.isNative()) {
                ch.checkOpen();
                int id = Header.id(ch.out);
                ch.closeReplyFds();
                // the fields, then the data straight from the caller's memory, in one sendmsg (two
                // would wake the server for the fields alone)
                ch.conn.send(ch.out.asSlice(0, MigDataMessage.DATA), src);
                ch.checkReply(ch.receive(Header.SIZE), id, Command.MIG_DATA_WRITE);
            } else {
                MemorySegment.copy(src, 0, ch.out, MigDataMessage.DATA, size);
                ch.call(n, List.of());
            }
            ch.closeReplyFds();
        }
    }

    /**
     * DMA_LOGGING_START at {@code pageSize} over {@code ranges} (none: every address); returns the
     * page size the server chose (VU-10.12).
     */
    public long startDirtyLogging(long pageSize, List<Range> ranges) throws IOException, VfioUserException {
        long[] iovas = new long[ranges.size()];
        long[] lengths = new long[ranges.size()];
        for (int i = 0; i < iovas.length; i++) {
            iovas[i] = ranges.get(i).iova();
            lengths[i] = ranges.get(i).length();
        }
        synchronized (lock) {
            int data = DmaLoggingControl.FIXED + iovas.length * DmaLoggingControl.RANGE;
            if (DeviceFeatureMessage.SIZE + (long) data > ch.out.byteSize()) {
                throw new IllegalArgumentException(ranges.size() + " ranges do not fit one message");
            }
            int n = DeviceFeatureMessage.encodeRequest(
                    ch.out,
                    ch.id(),
                    DeviceFeatureMessage.PAYLOAD + data,
                    DMA_LOGGING_START | DeviceFeatureMessage.SET,
                    data);
            DmaLoggingControl.encode(ch.out, pageSize, iovas, lengths);
            MemorySegment reply = ch.call(n, List.of(), n);
            ch.closeReplyFds();
            if (reply.byteSize() != n) {
                throw new IOException("malformed DMA_LOGGING_START reply: " + Header.describe(reply));
            }
            return DmaLoggingControl.pageSize(reply);
        }
    }

    /** DMA_LOGGING_STOP. */
    public void stopDirtyLogging() throws IOException, VfioUserException {
        synchronized (lock) {
            int n = DeviceFeatureMessage.encodeRequest(
                    ch.out, ch.id(), DeviceFeatureMessage.PAYLOAD, DMA_LOGGING_STOP | DeviceFeatureMessage.SET, 0);
            ch.call(n, List.of());
            ch.closeReplyFds();
        }
    }

    /**
     * DMA_LOGGING_REPORT of [iova, iova + length) in pages of {@code pageSize}: fills {@code bitmap}
     * ({@link #bitmapBytes} long) with one bit per page, little-endian u64 words; the server clears
     * what it reported (VU-10.14).
     */
    public void dirtyBitmap(long iova, long length, long pageSize, MemorySegment bitmap)
            throws IOException, VfioUserException {
        long bytes = bitmapBytes(length, pageSize);
        if (bitmap.byteSize() != bytes) {
            throw new IllegalArgumentException("a bitmap of " + bytes + " bytes is needed, not " + bitmap.byteSize());
        }
        synchronized (lock) {
            int data = DmaLoggingReport.FIXED;
            long argsz = DeviceFeatureMessage.PAYLOAD + data + bytes;
            int n = DeviceFeatureMessage.encodeRequest(
                    ch.out,
                    ch.id(),
                    (int) Math.min(argsz, 0xFFFF_FFFFL),
                    DMA_LOGGING_REPORT | DeviceFeatureMessage.GET,
                    data);
            DmaLoggingReport.encode(ch.out, iova, length, pageSize);
            MemorySegment reply = ch.call(n, List.of(), DmaLoggingReport.BITMAP + bytes);
            ch.closeReplyFds();
            if (reply.byteSize() != DmaLoggingReport.BITMAP + bytes
                    || DeviceFeatureMessage.replyArgsz(reply) != argsz) {
                throw new IOException("malformed DMA_LOGGING_REPORT reply: " + Header.describe(reply));
            }
            MemorySegment.copy(reply, DmaLoggingReport.BITMAP, bitmap, 0, bytes);
        }
    }

    /** The bitmap of a report as u64 words (bit n of word w = page 64 w + n). */
    public long[] dirtyBitmap(long iova, long length, long pageSize) throws IOException, VfioUserException {
        long[] words = new long[(int) (bitmapBytes(length, pageSize) / 8)];
        MemorySegment seg = MemorySegment.ofArray(words);
        dirtyBitmap(iova, length, pageSize, seg);
        // the array's longs are in the machine's order; the wire's are little-endian
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            for (int i = 0; i < words.length; i++) {
                words[i] = Long.reverseBytes(words[i]);
            }
        }
        return words;
    }

    /** Bytes of the bitmap of a report of {@code length} bytes in pages of {@code pageSize} (a power of two). */
    public static long bitmapBytes(long length, long pageSize) {
        return DmaLoggingReport.bitmapBytes(length, Long.numberOfTrailingZeros(pageSize));
    }
}
