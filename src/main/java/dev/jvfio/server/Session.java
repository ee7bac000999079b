package dev.jvfio.server;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DeviceInfoMessage;
import dev.jvfio.protocol.Header;
import dev.jvfio.transport.ClosedException;
import dev.jvfio.transport.PeerCredentials;
import dev.jvfio.transport.UnixConnection;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
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

    private final UnixConnection conn;
    private final PeerCredentials peer;
    private final VfioDevice device;
    private final ServerOptions options;
    private final ServerListener listener;
    private final ServerMetrics metrics;
    /** Whether requests are timed: not when nothing counts them. */
    private final boolean timed;

    private final Runnable onEnd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment out;
    private final RequestReader reader;
    /** The fds that came with the message being served (the reader's list). */
    private final List<Fd> fds;
    /** Held from the receipt of a request to its reply (VU-8.5). */
    private final ReplyGate gate = new ReplyGate();

    private final DmaTable windows;
    /** What the device reaches the client's memory through. */
    private final ClientMemory memory;
    /** The outcome of the request being served; reused for every request. */
    private final Reply reply = new Reply();

    private final Thread thread;

    private final VersionNegotiation version;
    private final DmaRequests dmaRequests;
    private DeviceInfo info;
    /** Made once the device's info is known (after VERSION). */
    private RegionRequests regions;

    private IrqRequests irqs;
    private MigrationRequests migration;
    private volatile boolean stopping;
    /** Whether the listener heard of this client: only once it sent a first message. */
    private boolean announced;

    private final Instant connectedSince = Instant.now();
    private final MessageCounts counts = new MessageCounts();

    Session(
            UnixConnection conn,
            PeerCredentials peer,
            VfioDevice device,
            ServerOptions options,
            MappingBudget budget,
            Runnable onEnd) {
        this.conn = conn;
        this.peer = peer;
        this.device = device;
        this.options = options;
        this.listener = options.listener();
        this.metrics = options.metrics();
        this.timed = metrics != ServerMetrics.NONE;
        this.onEnd = onEnd;
        long buffer = (long) options.maxDataXferSize() + OVERHEAD;
        this.out = arena.allocate(buffer, 8);
        this.reader = new RequestReader(conn, arena.allocate(buffer, 8), options, this::sendError);
        this.fds = reader.fds();
        int windowCap = budget.windowCap(options.maxDmaMaps());
        this.windows = new DmaTable(windowCap);
        this.memory = new ClientMemory(windows, gate, metrics);
        this.version = new VersionNegotiation(options, windowCap, out);
        this.dmaRequests = new DmaRequests(windows, budget.share(), device, options, out, reply);
        this.thread = new Thread(this::run, VfioUserServer.SESSION_THREAD + " pid " + peer.pid());
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

    /** The attached peer (SO_PEERCRED at accept). */
    PeerCredentials peer() {
        return peer;
    }

    /**
     * Ends the session from another thread and waits for its cleanup. The interrupt ends a wait
     * inside the device (a readiness wait after reset can last the driver's 30 s) so that closing
     * the server never waits for one.
     */
    void stop() {
        stopping = true;
        conn.shutdown();
        thread.interrupt();
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
            regions = new RegionRequests(device, info, options, out, reply, metrics);
            irqs = new IrqRequests(device, info, out, reply);
            migration = new MigrationRequests(
                    device.migration(),
                    memory,
                    listener,
                    version.messageChunk(),
                    options.maxDataXferSize(),
                    out,
                    reply);
            device.attach(memory);
            attached = true;
            while (true) {
                long size = reader.receive();
                if (size < 0) {
                    reason = "stream can no longer be trusted";
                    return;
                }
                if (size > 0) {
                    gate.enter(); // device work a request starts waits for its reply (VU-8.5)
                    try {
                        serve(reader.message(size));
                    } finally {
                        gate.leave();
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
            reader.close();
            // as libvfio-user does when its client goes away: the windows first (the device hears
            // of each), then the device; a device thread waiting for a message reply gives up now
            memory.closeMessages();
            dmaRequests.unmapAll(true);
            if (attached) {
                try {
                    device.detach();
                } catch (RuntimeException e) {
                    listener.error("device.detach failed: " + e);
                }
            }
            // only then may a stopped device run again (VU-10.11): the interrupts it held while
            // stopped belong to the guest that migrated away, not to the eventfds of the client
            // that left (MIG-1.7: they fire once, on the destination)
            if (migration != null) {
                migration.end();
            }
            conn.close();
            arena.close();
            String why = reason;
            if (announced) {
                quietly(() -> listener.disconnected(peer, why));
                quietly(metrics::clientDetached);
            }
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
     * A peer that connects and never completes VERSION would hold the device forever (one client
     * at a time); hang up on it after {@link VersionNegotiation#TIMEOUT}.
     */
    private void hangUpWithoutVersion() {
        try {
            Thread.sleep(VersionNegotiation.TIMEOUT);
            listener.error("no VERSION within " + VersionNegotiation.TIMEOUT.toSeconds() + " s; hanging up");
            conn.shutdown();
        } catch (InterruptedException e) {
            // negotiation finished in time
        }
    }

    private boolean negotiate() throws IOException {
        long size = reader.receive();
        // a peer that hangs up before its first message (another server probing whether the socket
        // is live) was never a client: no connect or disconnect event for it
        announced = true;
        quietly(() -> listener.connected(peer));
        quietly(metrics::clientAttached);
        if (size <= 0) {
            return false;
        }
        MemorySegment m = reader.message(size);
        long received = timed ? System.nanoTime() : 0;
        counts.message(Header.command(m));
        int n = version.answer(m, !fds.isEmpty());
        if (n > 0) {
            windows.limitWindows(version.dmaMaps());
            memory.messages(new MessageDma(conn, gate, version.messageChunk()));
            conn.send(out.asSlice(0, n));
            if (timed) metrics.request(Command.VERSION, 0, System.nanoTime() - received);
            return true;
        }
        if (n < 0) {
            counts.error(Header.command(m));
            sendError(Header.id(m), Header.command(m), -n);
            if (timed) metrics.request(Header.command(m), -n, System.nanoTime() - received);
        }
        return false;
    }

    private void serve(MemorySegment m) throws IOException {
        long received = timed ? System.nanoTime() : 0;
        int id = Header.id(m);
        int command = Header.command(m);
        boolean quiet = Header.noReply(m);
        int type = Header.type(m);
        if (type == Header.TYPE_REPLY) {
            // Only our DMA_READ/WRITE (message DMA) expect replies; any other is dropped unanswered.
            if (!memory.acceptReply(m)) {
                listener.error("unexpected reply " + Header.describe(m));
            }
            reader.closeFds();
            return;
        }
        counts.message(command);
        Reply r;
        if (type != Header.TYPE_COMMAND || (Header.flags(m) & ~Header.KNOWN_FLAGS) != 0) {
            r = reply.error(Errno.EINVAL);
        } else if (!fds.isEmpty() && command != Command.DMA_MAP && command != Command.DEVICE_SET_IRQS) {
            r = reply.error(Errno.EINVAL);
        } else {
            r = dispatch(m, id, command);
        }
        reader.closeFds();
        if (r.failed()) {
            counts.error(command);
            listener.error(Command.name(command) + " id " + id + " failed: " + Errno.name(r.errno()));
        }
        if (!quiet) { // VU-8.8: posted (no-reply) commands get nothing back, not even errors
            if (r.failed()) {
                sendError(id, command, r.errno());
            } else if (r.data() != null) {
                conn.send(out.asSlice(0, r.size()), r.data());
            } else if (r.fd() != null) {
                conn.send(out.asSlice(0, r.size()), List.of(r.fd()));
            } else {
                conn.send(out.asSlice(0, r.size()));
            }
        }
        if (timed) {
            metrics.request(command, r.failed() ? r.errno() : 0, System.nanoTime() - received);
        }
    }

    /** Handles one command; fills and returns {@link #reply}. */
    private Reply dispatch(MemorySegment m, int id, int command) {
        try {
            return switch (command) {
                case Command.VERSION -> reply.error(Errno.EINVAL);
                case Command.DMA_MAP -> dmaRequests.map(m, id, fds);
                case Command.DMA_UNMAP -> dmaRequests.unmap(m, id);
                case Command.DEVICE_GET_INFO -> deviceInfo(m, id);
                case Command.DEVICE_GET_REGION_INFO -> regions.info(m, id);
                case Command.DEVICE_GET_REGION_IO_FDS -> regions.ioFds(m, id);
                case Command.DEVICE_GET_IRQ_INFO -> irqs.info(m, id);
                case Command.DEVICE_SET_IRQS -> irqs.set(m, id, fds);
                case Command.REGION_READ -> regions.read(m, id);
                case Command.REGION_WRITE -> regions.write(m, id);
                case Command.REGION_WRITE_MULTI -> regions.writeMulti(m, id);
                case Command.DEVICE_RESET -> reset(m, id);
                case Command.DEVICE_FEATURE -> migration.feature(m, id);
                case Command.MIG_DATA_READ -> migration.read(m, id);
                case Command.MIG_DATA_WRITE -> migration.write(m, id);
                case Command.DIRTY_PAGES -> reply.error(Errno.ENOTSUP);
                default -> reply.error(Errno.EINVAL); // includes DMA_READ/WRITE, which only the server sends
            };
        } catch (VfioException e) {
            return reply.error(e.errno());
        } catch (RuntimeException e) {
            listener.error(Command.name(command) + ": device threw " + e);
            return reply.error(Errno.EIO);
        } catch (InternalError e) {
            // HotSpot's form of SIGBUS: device memory in a file that someone shrank, e.g. a client
            // through the region fd we gave it. That memory is gone; the session and device are not.
            listener.error(Command.name(command) + ": device memory fault " + e.getMessage());
            return reply.error(Errno.EIO);
        }
    }

    private Reply deviceInfo(MemorySegment m, int id) {
        int errno = DeviceInfoMessage.check(m);
        return errno != 0 ? reply.error(errno) : reply.sized(DeviceInfoMessage.encodeReply(out, id, info));
    }

    private Reply reset(MemorySegment m, int id) throws VfioException {
        if (m.byteSize() != Header.SIZE) {
            return reply.error(Errno.EINVAL);
        }
        migration.beforeReset(); // VU-10.7: a reset ends any migration state, ERROR included
        device.reset();
        quietly(listener::reset);
        metrics.reset();
        Header.reply(out, id, Command.DEVICE_RESET, Header.SIZE);
        return reply.sized(Header.SIZE);
    }

    /** Sends an error reply, also from outside a request (refused before dispatch). */
    private void sendError(int id, int command, int errno) throws IOException {
        int n = Header.errorReply(out, id, command, errno);
        gate.enter(); // also outside serve(): one sender at a time with message DMA
        try {
            conn.send(out.asSlice(0, n));
        } finally {
            gate.leave();
        }
    }

    /** DMA windows currently mapped (for tests). */
    int dmaWindows() {
        return windows.size();
    }

    /** The client's connection, windows and message counts now. */
    ClientStatus status() {
        long bytes = 0;
        int n = 0;
        for (DmaWindow w : windows.all()) {
            bytes += w.size();
            n++;
        }
        return new ClientStatus(peer.pid(), peer.uid(), connectedSince, n, bytes, counts.messages(), counts.errors());
    }
}
