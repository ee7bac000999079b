package dev.jvfio.fuzz;

import dev.jvfio.device.Errno;
import dev.jvfio.os.Fd;
import dev.jvfio.protocol.Capabilities;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.VersionMessage;
import dev.jvfio.transport.UnixConnection;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A vfio-user connection that sends bytes exactly as told (whole, in pieces, cut short, with any
 * fds) and reads whole messages back into a reused buffer: the hostile side of the fuzzer, and a
 * client for crash tests. Not thread-safe, except {@link #shutdown()}.
 */
public final class RawSession implements AutoCloseable {
    /** Largest message we accept from the server (1 MiB of data plus room for the fixed part). */
    public static final int MAX_REPLY = (1 << 20) + 8192;
    /** What we announce in VERSION: QEMU's values (VU-8.1). */
    private static final Capabilities CAPS =
            new Capabilities(16, 1 << 20, 65535, Capabilities.DEFAULT_PGSIZES, true, true);

    private final UnixConnection conn;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment in = arena.allocate(MAX_REPLY, 8);
    private final MemorySegment out = arena.allocate(4L << 20, 8);
    private final List<Fd> fds = new ArrayList<>();
    private Capabilities server;
    private long size;

    private RawSession(UnixConnection conn) {
        this.conn = conn;
    }

    /** Thrown when the server answers VERSION with an error (EBUSY: another client is attached). */
    public static final class Refused extends IOException {
        public final int errno;

        Refused(int errno) {
            super("server refused VERSION: " + Errno.name(errno));
            this.errno = errno;
        }
    }

    /** Connects without negotiating: the first message is the caller's (hostile handshakes). */
    public static RawSession connectOnly(Path socket) throws IOException {
        return new RawSession(UnixConnection.connect(socket));
    }

    /** Connects and negotiates VERSION once; {@link Refused} carries the server's errno. */
    public static RawSession attach(Path socket) throws IOException {
        RawSession s = new RawSession(UnixConnection.connect(socket));
        try {
            int n = VersionMessage.encode(s.out, 0, false, VersionMessage.MAJOR, 0, CAPS);
            s.conn.send(s.out.asSlice(0, n));
            MemorySegment reply = s.receive();
            s.closeFds();
            if (Header.isError(reply)) {
                throw new Refused(Header.error(reply));
            }
            VersionMessage v = new VersionMessage();
            if (Header.command(reply) != Command.VERSION || v.wrap(reply) != 0) {
                throw new IOException("malformed VERSION reply " + Header.describe(reply));
            }
            s.server = v.capabilities();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Attaches, retrying while the server still reports the previous client (EBUSY: its session
     * is being torn down) for up to {@code patience}.
     */
    public static RawSession attach(Path socket, Duration patience) throws IOException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return attach(socket);
            } catch (Refused e) {
                if (e.errno != Errno.EBUSY || System.nanoTime() > deadline) {
                    throw e;
                }
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while attaching", e);
            }
        }
    }

    public Capabilities serverCapabilities() {
        return server;
    }

    /** Sends the whole message at once, with copies of fds. */
    public void send(byte[] message, List<Fd> fdList) throws IOException {
        MemorySegment.copy(message, 0, out, ValueLayout.JAVA_BYTE, 0, message.length);
        conn.send(out.asSlice(0, message.length), fdList);
    }

    /** Sends {@code length} bytes of the message from {@code from}, fds with the first piece only. */
    public void sendPart(byte[] message, int from, int length, List<Fd> fdList) throws IOException {
        if (length == 0) {
            return;
        }
        MemorySegment.copy(message, from, out, ValueLayout.JAVA_BYTE, 0, length);
        conn.send(out.asSlice(0, length), fdList);
    }

    /** Sends the message in 2..6 random pieces, yielding between them so the server sees splits. */
    public void sendSplit(byte[] message, List<Fd> fdList, Random r) throws IOException {
        int pieces = 2 + r.nextInt(5);
        int at = 0;
        for (int p = 0; p < pieces && at < message.length; p++) {
            int len = p == pieces - 1 ? message.length - at : 1 + r.nextInt(Math.max(1, (message.length - at) / 2));
            sendPart(message, at, len, at == 0 ? fdList : List.of());
            at += len;
            Thread.yield();
        }
        if (at < message.length) {
            sendPart(message, at, message.length - at, List.of());
        }
    }

    /**
     * Reads one whole message; the returned view is valid until the next receive, its fds are in
     * {@link #receivedFds()} until the next receive. EOFException when the server hung up.
     */
    public MemorySegment receive() throws IOException {
        closeFds();
        conn.receiveFully(in.asSlice(0, Header.SIZE), fds, 16);
        size = Header.size(in);
        if (size < Header.SIZE || size > in.byteSize()) {
            throw new MalformedReply("reply size " + size + ": " + Header.describe(in));
        }
        if (size > Header.SIZE) {
            conn.receiveFully(in.asSlice(Header.SIZE, size - Header.SIZE), fds, 16 - fds.size());
        }
        return in.asSlice(0, size);
    }

    /** A reply the server should never have sent. */
    public static final class MalformedReply extends IOException {
        MalformedReply(String message) {
            super(message);
        }
    }

    public List<Fd> receivedFds() {
        return fds;
    }

    private void closeFds() {
        for (Fd fd : fds) {
            fd.close();
        }
        fds.clear();
    }

    /** Unblocks a thread in send or receive (a watchdog's tool). */
    public void shutdown() {
        conn.shutdown();
    }

    @Override
    public void close() {
        closeFds();
        conn.close();
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
