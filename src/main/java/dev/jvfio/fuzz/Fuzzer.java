package dev.jvfio.fuzz;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.os.Fd;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DeviceInfoMessage;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.VersionMessage;
import dev.jvfio.protocol.Wire;
import dev.jvfio.transport.ClosedException;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives a live server over its socket with hostile messages for a bounded time and checks the
 * server's side of the contract after every batch:
 * <ul>
 *   <li>every message that asks for a reply gets one, in order, well-formed (reply type, echoed id
 *       and command, header-only error replies with an errno, the payload size of its command),
 *       and posted messages and stray replies get none (VU-2.2, VU-2.3, VU-8.8);</li>
 *   <li>or the server closes the session cleanly (end of file), after which a new client can
 *       attach and is served;</li>
 *   <li>the server never goes quiet: no answer for {@link #HANG_LIMIT} is a failure.</li>
 * </ul>
 * Batches mix whole, split and truncated messages, stray replies between requests, and random fds
 * (eventfds, memfds, a socket) on any command; a sync request closes every batch.
 */
public final class Fuzzer {
    /** No progress for this long means the server hung (generous: the machine is shared). */
    public static final Duration HANG_LIMIT = Duration.ofSeconds(20);

    private static final Duration ATTACH_PATIENCE = Duration.ofSeconds(20);
    private static final int MAX_FAILURES = 20;

    private final Path socket;
    private final long seed;
    private final Random r;
    private final MessageGenerator gen;
    private final FuzzReport.Builder report;
    private final FdPool fdPool = new FdPool();
    private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    private volatile RawSession session;
    private DeviceInfo expectedInfo;
    private int nextId = 1;

    public Fuzzer(Path socket, long seed, FuzzReport.Builder report) {
        this.socket = socket;
        this.seed = seed;
        this.r = new Random(seed);
        this.gen = new MessageGenerator(1 << 20);
        this.report = report;
    }

    /** Fuzzes until {@code deadlineNanos} (System.nanoTime) or until too many failures. */
    public void run(long deadlineNanos) throws IOException {
        fdPool.open();
        Thread watchdog = Thread.ofPlatform().daemon().name("fuzz watchdog").start(this::watch);
        try {
            attach();
            while (System.nanoTime() < deadlineNanos && report.failures() < MAX_FAILURES) {
                try {
                    batch();
                } catch (EOFException | RawSession.Refused e) {
                    report.sessionClosedByServer();
                    reattach();
                } catch (RawSession.MalformedReply e) {
                    fail("malformed reply: " + e.getMessage());
                    reattach();
                } catch (IOException e) {
                    if (isPeerGone(e)) {
                        report.sessionClosedByServer();
                    } else {
                        fail("I/O error talking to the server: " + e);
                    }
                    reattach();
                }
            }
        } finally {
            watchdog.interrupt();
            RawSession s = session;
            if (s != null) {
                s.close();
            }
            fdPool.close();
        }
    }

    private static boolean isPeerGone(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("EPIPE")
                || m.contains("ECONNRESET")
                || m.contains("Broken pipe")
                || m.contains("Connection reset")
                || e instanceof ClosedException;
    }

    private void watch() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(500);
                if (System.nanoTime() - lastProgress.get() > HANG_LIMIT.toNanos()) {
                    fail("no answer from the server for " + HANG_LIMIT.toSeconds() + " s");
                    lastProgress.set(System.nanoTime());
                    RawSession s = session;
                    if (s != null) {
                        s.shutdown();
                    }
                }
            }
        } catch (InterruptedException e) {
            // done
        }
    }

    private void progress() {
        lastProgress.set(System.nanoTime());
    }

    private void fail(String what) {
        report.failure("seed " + seed + ": " + what);
    }

    private void attach() throws IOException {
        if (r.nextInt(4) == 0) {
            hostileHandshake();
        }
        session = RawSession.attach(socket, ATTACH_PATIENCE);
        progress();
        // a new client must be served at once: its DEVICE_GET_INFO is the attach check
        ExpectedReply sync = sendSync();
        expect(List.of(sync));
        report.attached();
    }

    /**
     * A connection whose first message is hostile (a malformed VERSION, another command, fds, a
     * stray reply, cut short): the server answers it once, with a VERSION reply or an error reply
     * followed by a hang-up, or hangs up; it never waits on it and the device stays attachable.
     */
    private void hostileHandshake() throws IOException {
        try (RawSession s = RawSession.connectOnly(socket)) {
            int id = id();
            byte[] m = r.nextInt(3) == 0 ? gen.message(r, id) : gen.message(r, id, Command.VERSION);
            List<Fd> fds = r.nextInt(8) == 0 ? List.of(fdPool.eventfd()) : List.of();
            report.message(m.length);
            report.handshake();
            if (r.nextInt(5) == 0) {
                s.sendPart(m, 0, 1 + r.nextInt(m.length - 1), fds);
                report.truncated();
                return;
            }
            try {
                s.send(m, fds);
                MemorySegment reply = s.receive();
                progress();
                report.reply(Header.isError(reply) ? Header.error(reply) : 0);
                int flags = Header.flags(reply);
                if (Header.type(reply) != Header.TYPE_REPLY
                        || (flags & ~(Header.TYPE_MASK | Header.FLAG_ERROR)) != 0
                        || Header.id(reply) != id
                        || Header.command(reply) != Wire.u16(MemorySegment.ofArray(m), 2)) {
                    fail("bad answer to a hostile first message: " + Header.describe(reply));
                    return;
                }
                if (Header.isError(reply)) {
                    if (reply.byteSize() != Header.SIZE || Header.error(reply) <= 0) {
                        fail("malformed error reply to a first message: " + Header.describe(reply));
                        return;
                    }
                    try {
                        MemorySegment more = s.receive();
                        fail("the server kept talking after refusing a first message: " + Header.describe(more));
                    } catch (EOFException expected) {
                        report.sessionClosedByServer();
                    }
                } else if (new VersionMessage().wrap(reply) != 0) {
                    fail("malformed VERSION reply to a hostile VERSION: " + Header.describe(reply));
                }
            } catch (EOFException e) {
                report.sessionClosedByServer(); // hung up without an answer (e.g. a posted VERSION): clean
            } catch (IOException e) {
                if (!isPeerGone(e)) {
                    throw e;
                }
                report.sessionClosedByServer();
            }
        }
    }

    private void reattach() throws IOException {
        RawSession old = session;
        session = null;
        if (old != null) {
            old.close();
        }
        try {
            attach();
        } catch (IOException e) {
            fail("a new client cannot attach after a closed session: " + e);
            throw e;
        }
    }

    private void batch() throws IOException {
        ArrayDeque<ExpectedReply> pending = new ArrayDeque<>();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(12) == 0) {
                strayReply();
            }
            int id = id();
            byte[] m = r.nextInt(8) == 0 ? MessageGenerator.wellFormedWithFds(r, id) : gen.message(r, id);
            if (m.length > 64 * 1024 && i < n - 1) {
                // big messages go last in a batch so that no reply can block our sending
                m = gen.message(r, id, Command.DEVICE_GET_INFO);
            }
            List<Fd> fds = fdPool.fdsFor(r, m);
            int flags = Wire.u32(MemorySegment.ofArray(m), 8);
            int command = Wire.u16(MemorySegment.ofArray(m), 2);
            boolean wantsReply = (flags & Header.FLAG_NO_REPLY) == 0 && (flags & Header.TYPE_MASK) != Header.TYPE_REPLY;
            int count = ExpectedReply.requested(m);
            if (r.nextInt(40) == 0) {
                // cut short, then hang up: the server must end this session and take the next client
                int cut = 1 + r.nextInt(m.length - 1);
                session.sendPart(m, 0, cut, fds);
                report.message(cut);
                report.truncated();
                RawSession s = session;
                session = null;
                s.close();
                attach();
                return;
            }
            if (r.nextInt(6) == 0) {
                session.sendSplit(m, fds, r);
                report.split();
            } else {
                session.send(m, fds);
            }
            report.message(m.length);
            if (!fds.isEmpty()) {
                report.fdsSent(fds.size());
            }
            pending.add(new ExpectedReply(id, command, wantsReply, count, flags, m.length));
        }
        pending.add(sendSync());
        expect(pending);
    }

    /** A message of type reply in the request stream: the server must drop it silently. */
    private void strayReply() throws IOException {
        byte[] payload = MessageGenerator.random(r, r.nextInt(48));
        byte[] m = MessageGenerator.withHeader(
                id(),
                1 + r.nextInt(18),
                Header.TYPE_REPLY | (r.nextBoolean() ? Header.FLAG_ERROR : 0),
                r.nextInt(200),
                payload);
        session.send(m, List.of());
        report.message(m.length);
        report.strayReply();
    }

    private ExpectedReply sendSync() throws IOException {
        int id = id();
        byte[] m = new byte[DeviceInfoMessage.SIZE];
        DeviceInfoMessage.encodeRequest(MemorySegment.ofArray(m), id);
        session.send(m, List.of());
        return new ExpectedReply(id, Command.DEVICE_GET_INFO, true, -1, 0, DeviceInfoMessage.SIZE);
    }

    /** Reads replies until every pending message that wants one has its reply, checking each. */
    private void expect(Iterable<ExpectedReply> pending) throws IOException {
        ExpectedReply last = null;
        for (ExpectedReply p : pending) {
            last = p;
        }
        for (ExpectedReply p : pending) {
            if (!p.wantsReply()) {
                continue;
            }
            MemorySegment reply = session.receive();
            progress();
            report.reply(Header.isError(reply) ? Header.error(reply) : 0);
            String bad = p.problemWith(reply, session.receivedFds().size());
            if (bad != null) {
                fail(bad + " (expected the reply to " + p + "; batch " + pending + ")");
                throw new RawSession.MalformedReply(bad);
            }
            if (p == last && p.command() == Command.DEVICE_GET_INFO && !Header.isError(reply)) {
                DeviceInfo info = DeviceInfoMessage.decodeReply(reply);
                if (expectedInfo == null) {
                    expectedInfo = info;
                } else if (!expectedInfo.equals(info)) {
                    fail("device info changed from " + expectedInfo + " to " + info);
                }
            }
        }
    }

    private int id() {
        int id = nextId & 0xFFFF;
        nextId++;
        return id;
    }
}
