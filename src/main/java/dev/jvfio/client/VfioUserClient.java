package dev.jvfio.client;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.MappableFile;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.protocol.Capabilities;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DeviceInfoMessage;
import dev.jvfio.protocol.DmaMapMessage;
import dev.jvfio.protocol.DmaUnmapMessage;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.IrqInfoMessage;
import dev.jvfio.protocol.RegionAccessMessage;
import dev.jvfio.protocol.RegionInfoMessage;
import dev.jvfio.protocol.SetIrqsMessage;
import dev.jvfio.protocol.VersionMessage;
import dev.jvfio.protocol.WriteMultiMessage;
import dev.jvfio.transport.UnixConnection;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
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
 */
public final class VfioUserClient implements AutoCloseable {
    /** What we announce: QEMU 10.2's values (VU-8.1), so the server sees a realistic client. */
    /**
     * What QEMU proposes (VU-8.1), pgsizes included: the protocol's default 4 KiB. The server's
     * reply decides the DMA granule (on a 64 KiB host jvfio answers 65536, see Session); callers
     * read it from {@link #serverCapabilities()}.
     */
    private static final Capabilities OURS = new Capabilities(16, 1 << 20, 65535, Capabilities.DEFAULT_PGSIZES, true, false);
    private static final int OVERHEAD = 8192;
    /**
     * From this many bytes on, REGION_READ/WRITE data moves between the socket and the caller's
     * (native) segment directly instead of through this client's buffers: one 1 MiB copy less
     * per transfer (found by jvfio bench, issue 7).
     */
    private static final long DIRECT_TRANSFER = 64 * 1024;

    private final UnixConnection conn;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment out;
    private final MemorySegment in;
    private final List<Fd> received = new ArrayList<>();
    private final List<Fd> replyFds = new ArrayList<>();
    private Capabilities server;
    private int serverMinor;
    private int nextId = 1;
    private final Object rawSendLock = new Object();
    private volatile boolean closed;

    private VfioUserClient(UnixConnection conn) {
        this.conn = conn;
        long buffer = (long) OURS.maxDataXferSize() + OVERHEAD;
        this.out = arena.allocate(buffer, 8);
        this.in = arena.allocate(buffer, 8);
    }

    /** Connects to the server at {@code socket} and negotiates the protocol version. */
    public static VfioUserClient connect(Path socket) throws IOException {
        UnixConnection conn = UnixConnection.connect(socket);
        VfioUserClient client = new VfioUserClient(conn);
        try {
            client.negotiate();
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private void negotiate() throws IOException {
        int id = id();
        int n = VersionMessage.encode(out, id, false, VersionMessage.MAJOR, 0, OURS);
        IOException sendFailure = null;
        try {
            conn.send(out.asSlice(0, n));
        } catch (IOException e) {
            sendFailure = e; // a refusing server may have answered and hung up already: read it
        }
        MemorySegment reply;
        try {
            reply = receive();
        } catch (IOException e) {
            if (sendFailure != null) {
                sendFailure.addSuppressed(e);
                throw sendFailure;
            }
            throw e;
        }
        closeReplyFds();
        if (Header.isError(reply)) {
            throw new HandshakeException(Header.error(reply), "server refused VERSION");
        }
        if (Header.command(reply) != Command.VERSION || Header.id(reply) != id || !Header.isReply(reply)) {
            throw new HandshakeException(0, "unexpected answer to VERSION: " + Header.describe(reply));
        }
        VersionMessage v = new VersionMessage();
        int errno = v.wrap(reply);
        if (errno != 0) {
            throw new HandshakeException(errno, "malformed VERSION reply: " + v.problem());
        }
        if (v.major() != VersionMessage.MAJOR || v.minor() > 0) {
            throw new HandshakeException(0, "incompatible server version " + v.major() + "." + v.minor());
        }
        server = v.capabilities();
        serverMinor = v.minor();
    }

    /**
     * Busy-polls for replies instead of sleeping in the kernel (see
     * {@link UnixConnection#busyPoll(boolean)}); used by the benchmark's {@code --spin}.
     */
    public void busyPoll(boolean on) {
        conn.busyPoll(on);
    }

    /** The server's capabilities from its VERSION reply. */
    public Capabilities serverCapabilities() {
        return server;
    }

    public int serverMinor() {
        return serverMinor;
    }

    private int id() {
        int id = nextId & 0xFFFF;
        nextId++;
        return id;
    }

    /** Largest count one read or write may carry (the smaller of both sides' limits). */
    public long maxTransfer() {
        return Math.min(server.maxDataXferSize(), OURS.maxDataXferSize());
    }

    // ---------------------------------------------------------------- plumbing

    /** Reads one whole message into {@code in}; fds go to replyFds. */
    private MemorySegment receive() throws IOException {
        return receive(Header.SIZE);
    }

    /**
     * Reads one whole reply into {@code in}, asking the first recvmsg for up to {@code expected}
     * bytes: a reply of the expected size then takes one system call instead of two (header, then
     * body). The server answers one request at a time and sends nothing else meanwhile, so the
     * read cannot reach into another message; if it did, the stream is not trusted any more.
     */
    private MemorySegment receive(long expected) throws IOException {
        return finishReceive(receiveStart(expected));
    }

    /** Reads at least a header and at most {@code want} bytes into {@code in}; returns the count read. */
    private long receiveStart(long want) throws IOException {
        long limit = Math.max(Header.SIZE, Math.min(want, in.byteSize()));
        long got = 0;
        while (got < Header.SIZE) {
            int n = conn.receive(in.asSlice(got, limit - got), replyFds, Math.max(0, 16 - replyFds.size()));
            if (n == 0) {
                throw new EOFException("connection closed by the server after " + got + " bytes of a reply");
            }
            got += n;
        }
        long size = Header.size(in);
        if (size < Header.SIZE || size > in.byteSize()) {
            throw new IOException("reply of " + size + " bytes: " + Header.describe(in));
        }
        if (got > size) {
            throw new IOException("more bytes than the " + size + "-byte reply arrived: " + Header.describe(in));
        }
        return got;
    }

    /** Completes {@code in[0, upTo)} of a reply whose first {@code got} bytes are there. */
    private MemorySegment finishReceiveUpTo(long got, long upTo) throws IOException {
        if (upTo > got) {
            conn.receiveFully(in.asSlice(got, upTo - got), replyFds, Math.max(0, 16 - replyFds.size()));
        }
        return in.asSlice(0, upTo);
    }

    /** Reads the rest of the reply whose first {@code got} bytes are in {@code in}. */
    private MemorySegment finishReceive(long got) throws IOException {
        long size = Header.size(in);
        if (size > got) {
            conn.receiveFully(in.asSlice(got, size - got), replyFds, Math.max(0, 16 - replyFds.size()));
        }
        return in.asSlice(0, size);
    }

    /** Sends {@code out[0..size)} and returns the matching reply; error replies throw. */
    private MemorySegment call(int size, List<Fd> fds) throws IOException, VfioUserException {
        return call(size, fds, Header.SIZE);
    }

    /** As {@link #call(int, List)}, when the reply is expected to be {@code expectedReply} bytes. */
    private MemorySegment call(int size, List<Fd> fds, long expectedReply) throws IOException, VfioUserException {
        checkOpen();
        int id = Header.id(out);
        int command = Header.command(out);
        closeReplyFds();
        conn.send(out.asSlice(0, size), fds);
        return checkReply(receive(expectedReply), id, command);
    }

    /** The reply if it answers request {@code id}; error replies throw VfioUserException. */
    private MemorySegment checkReply(MemorySegment reply, int id, int command) throws IOException, VfioUserException {
        if (!Header.isReply(reply) || Header.id(reply) != id || Header.command(reply) != command) {
            closeReplyFds();
            throw new IOException("reply does not match request id " + id + " " + Command.name(command)
                    + ": " + Header.describe(reply));
        }
        if (Header.isError(reply)) {
            closeReplyFds();
            throw new VfioUserException(command, Header.error(reply));
        }
        return reply;
    }

    private void closeReplyFds() {
        for (Fd fd : replyFds) {
            fd.close();
        }
        replyFds.clear();
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("client closed");
        }
    }

    // ---------------------------------------------------------------- device

    public synchronized DeviceInfo deviceInfo() throws IOException, VfioUserException {
        int n = DeviceInfoMessage.encodeRequest(out, id());
        DeviceInfo info = DeviceInfoMessage.decodeReply(call(n, List.of()));
        closeReplyFds();
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
            int n = RegionInfoMessage.encodeRequest(out, id(), index, argsz);
            MemorySegment reply = call(n, List.of());
            long needed = RegionInfoMessage.replyArgsz(reply);
            if (needed > argsz) {
                closeReplyFds();
                if (needed > in.byteSize() - Header.SIZE) {
                    throw new IOException("region info needs argsz " + needed);
                }
                argsz = (int) needed;
                continue;
            }
            RegionInfoMessage.Reply r = RegionInfoMessage.decodeReply(reply);
            if (r == null) {
                closeReplyFds();
                throw new IOException("malformed region info reply for region " + index);
            }
            MappableFile file = null;
            if (!replyFds.isEmpty()) {
                Fd fd = replyFds.removeFirst();
                received.add(fd);
                file = new MappableFile(fd, r.fileOffset());
            }
            closeReplyFds();
            return r.toRegionInfo(file);
        }
        throw new IOException("region info argsz keeps growing for region " + index);
    }

    public synchronized IrqInfo irqInfo(int index) throws IOException, VfioUserException {
        int n = IrqInfoMessage.encodeRequest(out, id(), index);
        IrqInfo info = IrqInfoMessage.decodeReply(call(n, List.of()));
        closeReplyFds();
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
        int n = RegionAccessMessage.encodeReadRequest(out, id(), offset, region, (int) count);
        MemorySegment reply;
        if (count >= DIRECT_TRANSFER && dst.isNative()) {
            checkOpen();
            int id = Header.id(out);
            closeReplyFds();
            conn.send(out.asSlice(0, n));
            long start = receiveStart(RegionAccessMessage.SIZE);
            if (Header.size(in) == RegionAccessMessage.SIZE + count && Header.isReply(in) && !Header.isError(in)
                    && Header.id(in) == id && Header.command(in) == Command.REGION_READ) {
                // the whole count is coming: the data goes from the socket straight into dst
                MemorySegment head = finishReceiveUpTo(start, RegionAccessMessage.SIZE);
                conn.receiveFully(dst, replyFds, Math.max(0, 16 - replyFds.size()));
                closeReplyFds();
                if (RegionAccessMessage.replyCount(head) != count) {
                    throw new IOException("malformed REGION_READ reply: " + Header.describe(head));
                }
                return (int) count;
            }
            reply = checkReply(finishReceive(start), id, Command.REGION_READ); // an error or a short read
        } else {
            reply = call(n, List.of(), RegionAccessMessage.SIZE + count);
        }
        closeReplyFds();
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
        int n = RegionAccessMessage.encodeWriteRequest(out, id(), offset, region, count, false);
        MemorySegment reply;
        if (count >= DIRECT_TRANSFER && src.isNative()) {
            checkOpen();
            int id = Header.id(out);
            closeReplyFds();
            conn.send(out.asSlice(0, RegionAccessMessage.DATA)); // header and fixed part, then the data
            conn.send(src);                                     // straight from the caller's memory
            reply = checkReply(receive(RegionAccessMessage.SIZE), id, Command.REGION_WRITE);
        } else {
            MemorySegment.copy(src, 0, out, RegionAccessMessage.DATA, count);
            reply = call(n, List.of(), RegionAccessMessage.SIZE);
        }
        closeReplyFds();
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
        checkOpen();
        MemorySegment src = MemorySegment.ofArray(data);
        int count = checkedCount(src);
        int n = RegionAccessMessage.encodeWriteRequest(out, id(), offset, region, count, true);
        MemorySegment.copy(src, 0, out, RegionAccessMessage.DATA, count);
        conn.send(out.asSlice(0, n));
    }

    /** One REGION_WRITE_MULTI with the no-reply flag; each entry carries at most 8 bytes. */
    public record SmallWrite(int region, long offset, byte[] data) {}

    public synchronized void writeMultiple(List<SmallWrite> writes) throws IOException {
        checkOpen();
        int n = WriteMultiMessage.begin(out, id(), true);
        for (SmallWrite w : writes) {
            n = WriteMultiMessage.add(out, w.offset(), w.region(), MemorySegment.ofArray(w.data()));
        }
        conn.send(out.asSlice(0, n));
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
        int n = SetIrqsMessage.encode(out, id(), flags, index, start, count, bools);
        call(n, eventfds == null ? List.of() : eventfds);
        closeReplyFds();
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
        Header.request(out, id(), Command.DEVICE_RESET, Header.SIZE, false);
        call(Header.SIZE, List.of());
        closeReplyFds();
    }

    // ---------------------------------------------------------------- DMA

    /**
     * Tells the server about client memory at {@code iova}: with {@code fd} the server maps
     * {@code [fileOffset, fileOffset+size)} of it; with a null fd it is message-DMA memory.
     */
    public synchronized void dmaMap(Fd fd, long fileOffset, long iova, long size, boolean readable, boolean writable)
            throws IOException, VfioUserException {
        int flags = (readable ? DmaMapMessage.FLAG_READ : 0) | (writable ? DmaMapMessage.FLAG_WRITE : 0);
        int n = DmaMapMessage.encode(out, id(), flags, fileOffset, iova, size);
        call(n, fd == null ? List.of() : List.of(fd));
        closeReplyFds();
    }

    public synchronized void dmaUnmap(long iova, long size) throws IOException, VfioUserException {
        int n = DmaUnmapMessage.encode(out, id(), 0, iova, size);
        call(n, List.of());
        closeReplyFds();
    }

    /** Drops every DMA window (QEMU's unmap-all flag). */
    public synchronized void dmaUnmapAll() throws IOException, VfioUserException {
        int n = DmaUnmapMessage.encode(out, id(), DmaUnmapMessage.FLAG_ALL, 0, 0);
        call(n, List.of());
        closeReplyFds();
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
            checkOpen();
            conn.send(message, fds);
        }
    }

    public void sendRaw(byte[] message) throws IOException {
        sendRaw(MemorySegment.ofArray(message), List.of());
    }

    /** Receives one whole message as it comes (blocking); the caller owns its fds. */
    public synchronized RawMessage receiveRaw() throws IOException {
        checkOpen();
        closeReplyFds();
        MemorySegment m = receive();
        List<Fd> fds = List.copyOf(replyFds);
        replyFds.clear();
        return new RawMessage(Header.id(m), Header.command(m), Header.size(m), Header.flags(m), Header.error(m),
                m.asSlice(Header.SIZE).toArray(ValueLayout.JAVA_BYTE), fds);
    }

    /** A fresh message id for hand-built messages. */
    public synchronized int nextMessageId() {
        return id();
    }

    /** Closes the connection (the server then releases everything of ours) and received fds. */
    @Override
    public void close() {
        synchronized (rawSendLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        conn.shutdown(); // unblocks a thread waiting for a reply, so that we get the lock below
        synchronized (this) {
            release();
        }
    }

    private void release() {
        conn.close();
        closeReplyFds();
        for (Fd fd : received) {
            fd.close();
        }
        received.clear();
        arena.close();
    }
}
