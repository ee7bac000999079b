package dev.jvfio.client;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.MappableFile;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DeviceInfoMessage;
import dev.jvfio.protocol.DmaMapMessage;
import dev.jvfio.protocol.DmaUnmapMessage;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.IrqInfoMessage;
import dev.jvfio.protocol.RegionAccessMessage;
import dev.jvfio.protocol.RegionInfoMessage;
import dev.jvfio.protocol.SetIrqsMessage;
import dev.jvfio.protocol.WriteMultiMessage;
import dev.jvfio.transport.UnixConnection;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

/**
 * A vfio-user client over one connection: negotiates VERSION, then sends one request at a time
 * and waits for its reply. Errors the server reports come back as {@link VfioUserException}
 * with the errno; transport failures and malformed replies as IOException. Thread-safe (one
 * request in flight at a time).
 *
 * <p>Fds: region fds received with {@link #regionInfo} belong to this client and are closed by
 * {@link #close()} (callers may close them earlier). Fds passed to {@link #dmaMap} and
 * {@link #setIrqs} stay the caller's: copies travel on the socket.
 *
 * <p>One method per vfio-user command (VU-4.x); the connection, handshake and reply matching live in
 * {@code ClientConnection}.
 */
public final class VfioUserClient implements AutoCloseable {
    /**
     * From this many bytes on, REGION_READ/WRITE data moves between the socket and the caller's
     * (native) segment directly instead of through this client's buffers: one 1 MiB copy less
     * per transfer, which the bulk rows of {@code jvfio bench} show.
     */
    private static final long DIRECT_TRANSFER = 64 * 1024;

    private final ClientConnection ch;
    private final Object rawSendLock = new Object();
    private final ClientMigration migration;

    private VfioUserClient(UnixConnection conn) {
        this.ch = new ClientConnection(conn);
        this.migration = new ClientMigration(this, ch);
    }

    /** Connects to the server at {@code socket} and negotiates the protocol version. */
    public static VfioUserClient connect(Path socket) throws IOException {
        UnixConnection conn = UnixConnection.connect(socket);
        VfioUserClient client = new VfioUserClient(conn);
        try {
            client.ch.negotiate();
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * Busy-polls for replies instead of sleeping in the kernel (see
     * {@link UnixConnection#busyPoll(boolean)}); used by the benchmark's {@code --spin}.
     */
    public void busyPoll(boolean on) {
        ch.conn.busyPoll(on);
    }

    /**
     * Polls for each reply for up to {@code nanos}, then sleeps for it (see
     * {@link UnixConnection#pollFirst(long)}); 0 sleeps at once. Used by the benchmark's {@code --halt-poll}.
     */
    public void pollFirst(long nanos) {
        ch.conn.pollFirst(nanos);
    }

    /** The migration calls (VU-10): features, device state, data stream, dirty logging. */
    public ClientMigration migration() {
        return migration;
    }

    /** The server's capabilities from its VERSION reply. */
    public ServerCapabilities serverCapabilities() {
        return ServerCapabilities.of(ch.server);
    }

    public int serverMinor() {
        return ch.serverMinor;
    }
    /** Largest count one read or write may carry (the smaller of both sides' limits). */
    public long maxTransfer() {
        return ch.maxTransfer();
    }

    // ---------------------------------------------------------------- device

    public synchronized DeviceInfo deviceInfo() throws IOException, VfioUserException {
        int n = DeviceInfoMessage.encodeRequest(ch.out, ch.id());
        DeviceInfo info = DeviceInfoMessage.decodeReply(ch.call(n, List.of()));
        ch.closeReplyFds();
        if (info == null) {
            throw new IOException("short DEVICE_GET_INFO reply");
        }
        return info;
    }

    /**
     * Region info with its capabilities (asking twice when the first argsz of 32 is too small,
     * as QEMU does) and, for a mappable region, the received fd in {@link RegionInfo#file()}.
     */
    public synchronized RegionInfo regionInfo(int index) throws IOException, VfioUserException {
        int argsz = RegionInfoMessage.PAYLOAD;
        for (int attempt = 0; attempt < 3; attempt++) {
            int n = RegionInfoMessage.encodeRequest(ch.out, ch.id(), index, argsz);
            MemorySegment reply = ch.call(n, List.of());
            long needed = RegionInfoMessage.replyArgsz(reply);
            if (needed > argsz) {
                ch.closeReplyFds();
                if (needed > ch.in.byteSize() - Header.SIZE) {
                    throw new IOException("region info needs argsz " + needed);
                }
                argsz = (int) needed;
                continue;
            }
            RegionInfoMessage.Reply r = RegionInfoMessage.decodeReply(reply);
            if (r == null) {
                ch.closeReplyFds();
                throw new IOException("malformed region info reply for region " + index);
            }
            MappableFile file = null;
            if (!ch.replyFds.isEmpty()) {
                Fd fd = ch.replyFds.removeFirst();
                ch.received.add(fd);
                file = new MappableFile(fd, r.fileOffset());
            }
            ch.closeReplyFds();
            return r.toRegionInfo(file);
        }
        throw new IOException("region info argsz keeps growing for region " + index);
    }

    public synchronized IrqInfo irqInfo(int index) throws IOException, VfioUserException {
        int n = IrqInfoMessage.encodeRequest(ch.out, ch.id(), index);
        IrqInfo info = IrqInfoMessage.decodeReply(ch.call(n, List.of()));
        ch.closeReplyFds();
        if (info == null) {
            throw new IOException("short GET_IRQ_INFO reply");
        }
        return info;
    }

    /** Reads {@code dst.byteSize()} bytes; returns the count the server reported. */
    public synchronized int read(int region, long offset, MemorySegment dst) throws IOException, VfioUserException {
        long count = dst.byteSize();
        if (count > maxTransfer()) {
            throw new IllegalArgumentException("read of " + count + " bytes exceeds max_data_xfer_size");
        }
        int n = RegionAccessMessage.encodeReadRequest(ch.out, ch.id(), offset, region, (int) count);
        MemorySegment reply;
        if (count >= DIRECT_TRANSFER && dst.isNative()) {
            ch.checkOpen();
            int id = Header.id(ch.out);
            ch.closeReplyFds();
            ch.conn.send(ch.out.asSlice(0, n));
            // the fields into the buffer, the data from the socket straight into dst, in one recvmsg
            MemorySegment head = ch.receiveSplit(RegionAccessMessage.SIZE, dst);
            if (Header.size(head) == RegionAccessMessage.SIZE + count) {
                ch.checkReply(head, id, Command.REGION_READ);
                ch.closeReplyFds();
                if (RegionAccessMessage.replyCount(head) != count) {
                    throw new IOException("malformed REGION_READ reply: " + Header.describe(head));
                }
                return (int) count;
            }
            reply = ch.checkReply(head, id, Command.REGION_READ); // an error or a short read
        } else {
            reply = ch.call(n, List.of(), RegionAccessMessage.SIZE + count);
        }
        ch.closeReplyFds();
        long got = RegionAccessMessage.replyCount(reply);
        if (got < 0 || got > count || reply.byteSize() != RegionAccessMessage.SIZE + got) {
            throw new IOException("malformed REGION_READ reply: " + Header.describe(reply));
        }
        MemorySegment.copy(reply, RegionAccessMessage.DATA, dst, 0, got);
        return (int) got;
    }

    public byte[] read(int region, long offset, int count) throws IOException, VfioUserException {
        byte[] data = new byte[count];
        int got = read(region, offset, MemorySegment.ofArray(data));
        if (got != count) {
            throw new IOException("short read: " + got + " of " + count + " bytes");
        }
        return data;
    }

    /** Writes src; returns the count the server reported. */
    public synchronized int write(int region, long offset, MemorySegment src) throws IOException, VfioUserException {
        int count = checkedCount(src);
        int n = RegionAccessMessage.encodeWriteRequest(ch.out, ch.id(), offset, region, count, false);
        MemorySegment reply;
        if (count >= DIRECT_TRANSFER && src.isNative()) {
            ch.checkOpen();
            int id = Header.id(ch.out);
            ch.closeReplyFds();
            // header and fixed part, then the data straight from the caller's memory, in one sendmsg
            // (as QEMU sends a write): two would wake the server for the header alone
            ch.conn.send(ch.out.asSlice(0, RegionAccessMessage.DATA), src);
            reply = ch.checkReply(ch.receive(RegionAccessMessage.SIZE), id, Command.REGION_WRITE);
        } else {
            MemorySegment.copy(src, 0, ch.out, RegionAccessMessage.DATA, count);
            reply = ch.call(n, List.of(), RegionAccessMessage.SIZE);
        }
        ch.closeReplyFds();
        long done = RegionAccessMessage.replyCount(reply);
        if (done < 0) {
            throw new IOException("short REGION_WRITE reply");
        }
        return (int) done;
    }

    public int write(int region, long offset, byte[] data) throws IOException, VfioUserException {
        return write(region, offset, MemorySegment.ofArray(data));
    }

    /** A posted write (no-reply flag, VU-8.8): nothing comes back, errors are not reported. */
    public synchronized void writePosted(int region, long offset, byte[] data) throws IOException {
        ch.checkOpen();
        MemorySegment src = MemorySegment.ofArray(data);
        int count = checkedCount(src);
        int n = RegionAccessMessage.encodeWriteRequest(ch.out, ch.id(), offset, region, count, true);
        MemorySegment.copy(src, 0, ch.out, RegionAccessMessage.DATA, count);
        ch.conn.send(ch.out.asSlice(0, n));
    }

    /** One REGION_WRITE_MULTI with the no-reply flag; each entry carries at most 8 bytes. */
    public record SmallWrite(int region, long offset, byte[] data) {}

    public synchronized void writeMultiple(List<SmallWrite> writes) throws IOException {
        ch.checkOpen();
        int n = WriteMultiMessage.begin(ch.out, ch.id(), true);
        for (SmallWrite w : writes) {
            n = WriteMultiMessage.add(ch.out, w.offset(), w.region(), MemorySegment.ofArray(w.data()));
        }
        ch.conn.send(ch.out.asSlice(0, n));
    }

    private int checkedCount(MemorySegment src) {
        if (src.byteSize() > maxTransfer()) {
            throw new IllegalArgumentException("write of " + src.byteSize() + " bytes exceeds max_data_xfer_size");
        }
        return (int) src.byteSize();
    }

    /**
     * SET_IRQS with any flags: {@code bools} for DATA_BOOL, {@code eventfds} (count of them, or
     * none to de-assign) for DATA_EVENTFD.
     */
    public synchronized void setIrqs(int index, int flags, int start, int count, byte[] bools, List<Fd> eventfds)
            throws IOException, VfioUserException {
        int n = SetIrqsMessage.encode(ch.out, ch.id(), flags, index, start, count, bools);
        ch.call(n, eventfds == null ? List.of() : eventfds);
        ch.closeReplyFds();
    }

    /** Assigns one eventfd per vector from {@code start} as the TRIGGER of index. */
    public void setIrqEventfds(int index, int start, List<Fd> eventfds) throws IOException, VfioUserException {
        setIrqs(index, Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER, start, eventfds.size(), null, eventfds);
    }

    /** DATA_NONE with an action (MASK, UNMASK or TRIGGER) on vectors [start, start+count). */
    public void setIrqsNone(int index, int action, int start, int count) throws IOException, VfioUserException {
        setIrqs(index, Vfio.IRQ_SET_DATA_NONE | action, start, count, null, List.of());
    }

    /** Disables every vector of index (DATA_NONE | TRIGGER, start 0, count 0; VU-4.5). */
    public void disableIrqs(int index) throws IOException, VfioUserException {
        setIrqsNone(index, Vfio.IRQ_SET_ACTION_TRIGGER, 0, 0);
    }

    public synchronized void reset() throws IOException, VfioUserException {
        Header.request(ch.out, ch.id(), Command.DEVICE_RESET, Header.SIZE, false);
        ch.call(Header.SIZE, List.of());
        ch.closeReplyFds();
    }

    // ---------------------------------------------------------------- DMA

    /**
     * Tells the server about client memory at {@code iova}: with {@code fd} the server maps
     * {@code [fileOffset, fileOffset+size)} of it; with a null fd it is message-DMA memory.
     */
    public synchronized void dmaMap(Fd fd, long fileOffset, long iova, long size, boolean readable, boolean writable)
            throws IOException, VfioUserException {
        int flags = (readable ? DmaMapMessage.FLAG_READ : 0) | (writable ? DmaMapMessage.FLAG_WRITE : 0);
        int n = DmaMapMessage.encode(ch.out, ch.id(), flags, fileOffset, iova, size);
        ch.call(n, fd == null ? List.of() : List.of(fd));
        ch.closeReplyFds();
    }

    public synchronized void dmaUnmap(long iova, long size) throws IOException, VfioUserException {
        int n = DmaUnmapMessage.encode(ch.out, ch.id(), 0, iova, size);
        ch.call(n, List.of());
        ch.closeReplyFds();
    }

    /** Drops every DMA window (QEMU's unmap-all flag). */
    public synchronized void dmaUnmapAll() throws IOException, VfioUserException {
        int n = DmaUnmapMessage.encode(ch.out, ch.id(), DmaUnmapMessage.FLAG_ALL, 0, 0);
        ch.call(n, List.of());
        ch.closeReplyFds();
    }

    /**
     * Maps {@code size} bytes at {@code regionOffset} of a mappable region through the fd its
     * region info carried. The caller closes the mapping.
     */
    public static MappedMemory mapRegion(RegionInfo info, long regionOffset, long size, boolean writable)
            throws IOException {
        if (info.file() == null) {
            throw new IOException("region " + info.index() + " came without an fd");
        }
        return MappedMemory.map(info.file().fd(), info.file().fileOffset() + regionOffset, size, writable);
    }

    // ---------------------------------------------------------------- raw access for fuzzing

    /**
     * Sends bytes as they are (with copies of fds). It does not wait for requests in flight, so
     * a test may send from one thread while another blocks in {@link #receiveRaw()}; do not mix
     * it with the request methods concurrently.
     */
    public void sendRaw(MemorySegment message, List<Fd> fds) throws IOException {
        synchronized (rawSendLock) {
            ch.checkOpen();
            ch.conn.send(message, fds);
        }
    }

    public void sendRaw(byte[] message) throws IOException {
        sendRaw(MemorySegment.ofArray(message), List.of());
    }

    /** Receives one whole message as it comes (blocking); the caller owns its fds. */
    public synchronized RawMessage receiveRaw() throws IOException {
        ch.checkOpen();
        ch.closeReplyFds();
        MemorySegment m = ch.receive();
        List<Fd> fds = List.copyOf(ch.replyFds);
        ch.replyFds.clear();
        return new RawMessage(
                Header.id(m),
                Header.command(m),
                Header.size(m),
                Header.flags(m),
                Header.error(m),
                m.asSlice(Header.SIZE).toArray(ValueLayout.JAVA_BYTE),
                fds);
    }

    /** A fresh message id for hand-built messages. */
    public synchronized int nextMessageId() {
        return ch.id();
    }

    /** Closes the connection (the server then releases everything of ours) and received fds. */
    @Override
    public void close() {
        synchronized (rawSendLock) {
            if (ch.closed) {
                return;
            }
            ch.closed = true;
        }
        ch.conn.shutdown(); // unblocks a thread waiting for a reply, so that we get the lock below
        synchronized (this) {
            ch.release();
        }
    }
}
