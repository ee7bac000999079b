package dev.jvfio.server;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.NativeException;
import dev.jvfio.protocol.Capabilities;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DeviceInfoMessage;
import dev.jvfio.protocol.DmaMapMessage;
import dev.jvfio.protocol.DmaUnmapMessage;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.IrqInfoMessage;
import dev.jvfio.protocol.RegionAccessMessage;
import dev.jvfio.protocol.RegionInfoMessage;
import dev.jvfio.protocol.RegionIoFdsMessage;
import dev.jvfio.protocol.SetIrqsMessage;
import dev.jvfio.protocol.VersionMessage;
import dev.jvfio.protocol.WriteMultiMessage;
import dev.jvfio.transport.ClosedException;
import dev.jvfio.transport.PeerCredentials;
import dev.jvfio.transport.UnixConnection;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * One connected client: VERSION first, then requests in order, each answered before the next is
 * read (VU-2.3). Receive and reply buffers are allocated once per session and reused; decoders
 * are flyweights over them. When the stream ends for any reason the session detaches the device
 * and releases every DMA window and fd of the client (VU-1.4).
 */
final class Session {
    /** Room beyond max_data_xfer_size for the largest fixed part of any message we accept. */
    private static final int OVERHEAD = 8192;
    /** Bytes one recvmsg asks for while the next message's size is unknown (see {@link #receive()}); not a page. */
    private static final long SPECULATIVE_READ = 4096;
    /** REGION_READs of this many bytes or more ask the device for a zero-copy view first. */
    private static final int ZERO_COPY_READ = 64 * 1024;
    /** Oversized messages up to this many bytes are read and discarded; beyond, we hang up. */
    private static final long DRAIN_LIMIT = 64L << 20;

    private final UnixConnection conn;
    private final PeerCredentials peer;
    private final VfioDevice device;
    private final ServerOptions options;
    private final ServerListener listener;
    private final Runnable onEnd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment in;
    private final MemorySegment out;
    private final List<Fd> fds = new ArrayList<>(ServerOptions.MAX_MAX_MSG_FDS);
    /** Fds received with bytes beyond the current message (they belong to a later one). */
    private final List<Fd> laterFds = new ArrayList<>(ServerOptions.MAX_MAX_MSG_FDS);
    /** Offset in {@code in} of the last byte of the read that brought {@link #laterFds}. */
    private long laterFdsAt;
    /** in[0, buffered) holds received bytes, starting with the current (or next) message. */
    private long buffered;
    /** Size of the message in {@code in} that has been served; dropped at the next receive. */
    private long served;
    private final DmaTable dma;
    private final Thread thread;

    private final VersionMessage version = new VersionMessage();
    private final DmaMapMessage dmaMap = new DmaMapMessage();
    private final DmaUnmapMessage dmaUnmap = new DmaUnmapMessage();
    private final SetIrqsMessage setIrqs = new SetIrqsMessage();
    private final RegionAccessMessage access = new RegionAccessMessage();
    private final WriteMultiMessage writeMulti = new WriteMultiMessage();

    private DeviceInfo info;
    private Fd replyFd;
    /** Data of a REGION_READ reply sent straight from device memory (after the fixed part in out). */
    private MemorySegment replyData;
    private volatile boolean stopping;

    Session(UnixConnection conn, PeerCredentials peer, VfioDevice device, ServerOptions options, Runnable onEnd) {
        this.conn = conn;
        this.peer = peer;
        this.device = device;
        this.options = options;
        this.listener = options.listener();
        this.onEnd = onEnd;
        long buffer = (long) options.maxDataXferSize() + OVERHEAD;
        this.in = arena.allocate(buffer, 8);
        this.out = arena.allocate(buffer, 8);
        this.dma = new DmaTable(DmaTable.perClientCap(options.maxDmaMaps()));
        this.thread = new Thread(this::run, "vfio-user session pid " + peer.pid());
        this.thread.setDaemon(true);
    }

    /** Starts the session thread; if none can be started, releases the connection and buffers. */
    void start() {
        try {
            thread.start();
        } catch (OutOfMemoryError e) {
            conn.close();
            arena.close();
            throw e;
        }
    }

    /** Ends the session from another thread and waits for its cleanup. */
    void stop() {
        stopping = true;
        conn.shutdown();
        if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        String reason = "client closed the connection";
        boolean attached = false;
        try {
            listener.connected(peer);
            boolean negotiated;
            Thread watchdog = Thread.ofVirtual().start(this::hangUpWithoutVersion);
            try {
                negotiated = negotiate();
            } finally {
                watchdog.interrupt();
            }
            if (!negotiated) {
                reason = "version negotiation failed";
                return;
            }
            info = device.info();
            device.attach(dma);
            attached = true;
            while (true) {
                long size = receive();
                if (size < 0) {
                    reason = "stream can no longer be trusted";
                    return;
                }
                if (size > 0) {
                    dma.gate().enter(); // device work a request starts waits for its reply (VU-8.5)
                    try {
                        serve(in.asSlice(0, size));
                    } finally {
                        dma.gate().leave();
                    }
                }
            }
        } catch (EOFException | ClosedException e) {
            reason = stopping ? "server closing" : "client closed the connection";
        } catch (IOException e) {
            reason = stopping ? "server closing" : "I/O error: " + e.getMessage();
        } catch (RuntimeException | Error e) {
            reason = "internal error: " + e;
        } finally {
            closeFds();
            closeLaterFds();
            if (attached) {
                try {
                    device.detach();
                } catch (RuntimeException e) {
                    listener.error("device.detach failed: " + e);
                }
            }
            dma.close();
            conn.close();
            arena.close();
            String why = reason;
            quietly(() -> listener.disconnected(peer, why));
            onEnd.run();
        }
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException ignored) {
            // listeners must not break the server
        }
    }

    /**
     * Reads one whole message into {@code in} (at offset 0). Returns its size; 0 if it was consumed
     * here (oversized and drained, answered with E2BIG); -1 if the stream cannot be resynchronised.
     *
     * <p>While the size is unknown, one recvmsg asks for up to {@link #SPECULATIVE_READ} bytes, so
     * a small message (every trapped access) arrives with one system call instead of two (header,
     * then body). Bytes read beyond the message are kept for the next one. Fds come with the last
     * socket buffer a recvmsg touched, so fds of a read that went past the message belong to the
     * message holding that read's last byte; they wait in {@link #laterFds} until it is served.
     */
    private long receive() throws IOException {
        closeFds();
        dropServedMessage();
        int dropped = 0;
        while (buffered < Header.SIZE) {
            long end = Math.min(SPECULATIVE_READ, in.byteSize());
            int before = laterFds.size();
            int n = conn.receive(in.asSlice(buffered, end - buffered), laterFds,
                    Math.max(0, options.maxMsgFds() - laterFds.size()));
            if (n == 0) {
                throw new EOFException("client closed the connection");
            }
            dropped += conn.fdsDropped();
            if (laterFds.size() > before) {
                laterFdsAt = buffered + n - 1;
            }
            buffered += n;
        }
        long size = Header.size(in);
        int id = Header.id(in);
        int command = Header.command(in);
        if (size < Header.SIZE) {
            listener.error("message size " + size + " below the header size; hanging up");
            sendError(id, command, Errno.EINVAL);
            return -1;
        }
        if (size > in.byteSize()) {
            boolean quiet = unanswerable(in);
            if (size - Header.SIZE > DRAIN_LIMIT) {
                listener.error("message of " + size + " bytes; hanging up");
                sendError(id, command, Errno.E2BIG);
                return -1;
            }
            long left = size - buffered; // buffered <= SPECULATIVE_READ < size: nothing beyond it was read
            while (left > 0) {
                long n = Math.min(left, in.byteSize());
                conn.receiveFully(in.asSlice(0, n), fds, 0);
                left -= n;
            }
            buffered = 0;
            listener.error("message of " + size + " bytes drained (" + Command.name(command) + ")");
            closeFds();
            closeLaterFds();
            if (!quiet) {
                sendError(id, command, Errno.E2BIG);
            }
            return 0;
        }
        if (!laterFds.isEmpty() && laterFdsAt < size) {
            fds.addAll(laterFds); // their read ended inside this message: they are its fds
            laterFds.clear();
        }
        if (buffered < size) {
            conn.receiveFully(in.asSlice(buffered, size - buffered), fds,
                    Math.max(0, options.maxMsgFds() - fds.size()));
            dropped += conn.fdsDropped();
            buffered = size;
        }
        served = size;
        if (dropped > 0 || fds.size() > options.maxMsgFds()) {
            listener.error(Math.max(dropped, fds.size() - options.maxMsgFds()) + " fds beyond max_msg_fds dropped ("
                    + Command.name(command) + ")");
            closeFds();
            if (!unanswerable(in)) {
                sendError(id, command, Errno.EINVAL);
            }
            return 0;
        }
        return size;
    }

    /**
     * Posted commands (VU-8.8) and stray replies from the client (VU-2.3: we never send requests)
     * must get nothing back, also when they are refused before dispatch (oversized, too many fds):
     * an unexpected reply desynchronises the client's stream.
     */
    private static boolean unanswerable(MemorySegment header) {
        return Header.noReply(header) || Header.type(header) == Header.TYPE_REPLY;
    }

    /** Moves the bytes read beyond the last served message to the front of {@code in}. */
    private void dropServedMessage() {
        if (served == 0) {
            return;
        }
        long rest = buffered - served;
        if (rest > 0) {
            MemorySegment.copy(in, served, in, 0, rest);
        }
        laterFdsAt -= served;
        buffered = rest;
        served = 0;
    }

    /**
     * A peer that connects and never completes VERSION would hold the device forever (one client
     * at a time); hang up on it after {@link #VERSION_TIMEOUT}.
     */
    private void hangUpWithoutVersion() {
        try {
            Thread.sleep(VERSION_TIMEOUT);
            listener.error("no VERSION within " + VERSION_TIMEOUT.toSeconds() + " s; hanging up");
            conn.shutdown();
        } catch (InterruptedException e) {
            // negotiation finished in time
        }
    }

    static final java.time.Duration VERSION_TIMEOUT = java.time.Duration.ofSeconds(10);

    private boolean negotiate() throws IOException {
        long size = receive();
        if (size <= 0) {
            return false;
        }
        MemorySegment m = in.asSlice(0, size);
        int id = Header.id(m);
        int command = Header.command(m);
        if (command != Command.VERSION || Header.type(m) != Header.TYPE_COMMAND) {
            listener.error(Command.name(command) + " before VERSION; hanging up");
            if (Header.type(m) != Header.TYPE_REPLY) { // never answer a reply (VU-2.3)
                sendError(id, command, Errno.EINVAL);
            }
            return false;
        }
        if (!fds.isEmpty()) {
            listener.error("fds with VERSION; hanging up");
            sendError(id, command, Errno.EINVAL);
            return false;
        }
        int errno = version.wrap(m);
        if (errno != 0) {
            listener.error("bad VERSION: " + version.problem());
            sendError(id, command, errno);
            return false;
        }
        if (version.major() != VersionMessage.MAJOR) {
            listener.error("client proposes major " + version.major());
            sendError(id, command, Errno.ENOTSUP);
            return false;
        }
        Capabilities theirs = version.capabilities();
        // VU-3.2/VU-3.3: announce the window cap this session will enforce (the configured
        // max_dma_maps, held to this client's share of the process's mapping budget), and no more
        // than the client proposed; the table is held to exactly that.
        long maps = Math.max(0, Math.min(DmaTable.perClientCap(options.maxDmaMaps()), theirs.maxDmaMaps()));
        dma.limitWindows((int) maps);
        dma.messages(new MessageDma(conn, dma.gate(), Math.min(theirs.maxDataXferSize(), options.maxDataXferSize())));
        // pgsizes (VU-3.3): we announce our page size alone, even where the client proposed
        // smaller pages. The spec wants the reply's capabilities to be a subset of the proposal,
        // but QEMU 10.2 and 11.1 always propose 4096 (VU-8.1), so on a 16 or 64 KiB host no
        // subset exists; and QEMU's proxy.c (check_pgsizes) accepts any server pgsizes without
        // bits below 4 KiB and makes it the container's IOMMU page mask, so it then maps guest
        // RAM at our granule. QEMU wins where it and the spec disagree. DMA_MAP enforces it.
        Capabilities ours = new Capabilities(options.maxMsgFds(), options.maxDataXferSize(),
                maps, options.pageSize().bytes(), theirs.writeMultiple(), false);
        int n = VersionMessage.encode(out, id, true, VersionMessage.MAJOR,
                Math.min(version.minor(), VersionMessage.MINOR), ours);
        conn.send(out.asSlice(0, n));
        return true;
    }

    private void serve(MemorySegment m) throws IOException {
        int id = Header.id(m);
        int command = Header.command(m);
        boolean quiet = Header.noReply(m);
        replyFd = null;
        replyData = null;
        int type = Header.type(m);
        if (type == Header.TYPE_REPLY) {
            // Only our DMA_READ/WRITE (message DMA) expect replies; any other is dropped unanswered.
            if (dma.acceptReply(m)) {
                closeFds();
                return;
            }
            listener.error("unexpected reply " + Header.describe(m));
            closeFds();
            return;
        }
        int result;
        if (type != Header.TYPE_COMMAND || (Header.flags(m) & ~Header.KNOWN_FLAGS) != 0) {
            result = -Errno.EINVAL;
        } else if (!fds.isEmpty() && command != Command.DMA_MAP && command != Command.DEVICE_SET_IRQS) {
            result = -Errno.EINVAL;
        } else {
            result = dispatch(m, id, command);
        }
        closeFds();
        if (result < 0) {
            listener.error(Command.name(command) + " id " + id + " failed: " + Errno.name(-result));
        }
        if (quiet) {
            return; // VU-8.8: posted (no-reply) commands get nothing back, not even errors
        }
        if (result < 0) {
            sendError(id, command, -result);
        } else if (replyData != null) {
            conn.send(out.asSlice(0, result - replyData.byteSize()), replyData);
        } else if (replyFd != null) {
            conn.send(out.asSlice(0, result), List.of(replyFd));
        } else {
            conn.send(out.asSlice(0, result));
        }
    }

    /** Handles one command; returns the reply size in {@code out} or a negative errno. */
    private int dispatch(MemorySegment m, int id, int command) {
        try {
            return switch (command) {
                case Command.VERSION -> -Errno.EINVAL;
                case Command.DMA_MAP -> dmaMap(m, id);
                case Command.DMA_UNMAP -> dmaUnmap(m, id);
                case Command.DEVICE_GET_INFO -> deviceInfo(m, id);
                case Command.DEVICE_GET_REGION_INFO -> regionInfo(m, id);
                case Command.DEVICE_GET_REGION_IO_FDS -> regionIoFds(m, id);
                case Command.DEVICE_GET_IRQ_INFO -> irqInfo(m, id);
                case Command.DEVICE_SET_IRQS -> setIrqs(m, id);
                case Command.REGION_READ -> regionRead(m, id);
                case Command.REGION_WRITE -> regionWrite(m, id);
                case Command.REGION_WRITE_MULTI -> writeMulti(m, id);
                case Command.DEVICE_RESET -> reset(m, id);
                case Command.DIRTY_PAGES, Command.DEVICE_FEATURE, Command.MIG_DATA_READ,
                     Command.MIG_DATA_WRITE -> -Errno.ENOTSUP;
                default -> -Errno.EINVAL; // includes DMA_READ/WRITE, which only the server sends
            };
        } catch (VfioException e) {
            return -e.errno();
        } catch (RuntimeException e) {
            listener.error(Command.name(command) + ": device threw " + e);
            return -Errno.EIO;
        } catch (InternalError e) {
            // HotSpot's form of SIGBUS: device memory in a file that someone shrank, e.g. a client
            // through the region fd we gave it. That memory is gone; the session and device are not.
            listener.error(Command.name(command) + ": device memory fault " + e.getMessage());
            return -Errno.EIO;
        }
    }

    private int bare(int id, int command) {
        Header.reply(out, id, command, Header.SIZE);
        return Header.SIZE;
    }

    private int dmaMap(MemorySegment m, int id) {
        int errno = dmaMap.wrap(m, options.pageSize().bytes());
        if (errno != 0) {
            return -errno;
        }
        if (fds.size() > 1) {
            return -Errno.EINVAL;
        }
        MappedMemory memory = null;
        if (fds.size() == 1) {
            Fd fd = fds.removeFirst();
            try {
                if (!options.pageSize().isAligned(dmaMap.fileOffset())) {
                    return -Errno.EINVAL;
                }
                long fileSize = fd.regularFileSize();
                if (fileSize < 0 || Long.compareUnsigned(dmaMap.fileOffset() + dmaMap.size(), fileSize) > 0) {
                    return -Errno.EINVAL; // mapping past the end of the file would SIGBUS on access
                }
                memory = MappedMemory.map(fd, dmaMap.fileOffset(), dmaMap.size(), dmaMap.writable());
            } catch (NativeException e) {
                return -(e.errno() != 0 ? e.errno() : Errno.EINVAL);
            } finally {
                fd.close(); // the mapping keeps the memory; the descriptor is no longer needed
            }
        }
        errno = dma.map(dmaMap.address(), dmaMap.size(), dmaMap.readable(), dmaMap.writable(), memory);
        if (errno != 0) {
            if (memory != null) {
                memory.close();
            }
            return -errno;
        }
        return bare(id, Command.DMA_MAP);
    }

    private int dmaUnmap(MemorySegment m, int id) {
        int errno = dmaUnmap.wrap(m);
        if (errno != 0) {
            return -errno;
        }
        if (dmaUnmap.all()) {
            dma.unmapAll();
        } else {
            errno = dma.unmap(dmaUnmap.address(), dmaUnmap.size());
            if (errno != 0) {
                return -errno;
            }
        }
        return DmaUnmapMessage.encodeReply(out, id, dmaUnmap.argsz(), dmaUnmap.flags(), dmaUnmap.address(),
                dmaUnmap.size());
    }

    private int deviceInfo(MemorySegment m, int id) {
        int errno = DeviceInfoMessage.check(m);
        return errno != 0 ? -errno : DeviceInfoMessage.encodeReply(out, id, info);
    }

    private int regionInfo(MemorySegment m, int id) throws VfioException {
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

    private int regionIoFds(MemorySegment m, int id) {
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

    private int irqInfo(MemorySegment m, int id) throws VfioException {
        int errno = IrqInfoMessage.check(m);
        if (errno != 0) {
            return -errno;
        }
        long index = IrqInfoMessage.index(m);
        if (index >= Integer.toUnsignedLong(info.numIrqs())) {
            return -Errno.EINVAL;
        }
        return IrqInfoMessage.encodeReply(out, id, device.irqInfo((int) index));
    }

    private int setIrqs(MemorySegment m, int id) throws VfioException {
        int errno = setIrqs.wrap(m, fds.size());
        if (errno != 0) {
            return -errno;
        }
        long index = setIrqs.index();
        if (index >= Integer.toUnsignedLong(info.numIrqs())) {
            return -Errno.EINVAL;
        }
        List<Fd> eventfds = fds.isEmpty() ? List.of() : List.copyOf(fds);
        IrqSet request = new IrqSet((int) index, setIrqs.flags(), setIrqs.start(), setIrqs.count(),
                setIrqs.bools(), eventfds);
        device.setIrqs(request);
        fds.clear(); // the device owns them now (IrqSet javadoc); on a throw they stay ours to close
        return bare(id, Command.DEVICE_SET_IRQS);
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

    private int regionRead(MemorySegment m, int id) throws VfioException {
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
                replyData = view; // sent from device memory: no copy into out (found by jvfio bench)
                return RegionAccessMessage.encodeReadReply(out, id, offset, (int) region, count);
            }
        }
        int n = device.read((int) region, offset, out.asSlice(RegionAccessMessage.DATA, count));
        if (n < 0 || n > count) {
            return -Errno.EIO;
        }
        return RegionAccessMessage.encodeReadReply(out, id, offset, (int) region, n);
    }

    private int regionWrite(MemorySegment m, int id) throws VfioException {
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

    private int writeMulti(MemorySegment m, int id) throws VfioException {
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
        return bare(id, Command.REGION_WRITE_MULTI);
    }

    private int reset(MemorySegment m, int id) throws VfioException {
        if (m.byteSize() != Header.SIZE) {
            return -Errno.EINVAL;
        }
        device.reset();
        quietly(listener::reset);
        return bare(id, Command.DEVICE_RESET);
    }

    private void sendError(int id, int command, int errno) throws IOException {
        int n = Header.errorReply(out, id, command, errno);
        dma.gate().enter(); // also outside serve(): one sender at a time with message DMA
        try {
            conn.send(out.asSlice(0, n));
        } finally {
            dma.gate().leave();
        }
    }

    private void closeFds() {
        for (Fd fd : fds) {
            fd.close();
        }
        fds.clear();
    }

    private void closeLaterFds() {
        for (Fd fd : laterFds) {
            fd.close();
        }
        laterFds.clear();
    }

    /** DMA windows currently mapped (for tests). */
    int dmaWindows() {
        return dma.size();
    }
}
