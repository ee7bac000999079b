package dev.jvfio.trace;

import dev.jvfio.os.Fd;
import dev.jvfio.protocol.Header;
import dev.jvfio.transport.ClosedException;
import dev.jvfio.transport.UnixConnection;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One direction of a proxied connection: reads a message (the 16-byte header, then exactly
 * {@code size - 16} more bytes, with every descriptor that came with them), reports it to the
 * sink and sends the same bytes and descriptors on. The descriptors go out as the very open files
 * that came in (SCM_RIGHTS installs new numbers for the same files), so the two ends still share
 * memory and eventfds; the proxy's own copies are closed once sent.
 *
 * <p>Framing is the header's size field and nothing else, so a malformed message costs no
 * behaviour: a size below 16 is forwarded as a 16-byte message; a size above
 * {@link #MAX_DECODED} is forwarded in chunks as the bytes come, without decoding, so the proxy
 * never holds more than one chunk of it; a sender that closes in the middle of a message has what
 * it sent forwarded before the other side is closed too.
 */
final class Pump implements Runnable {
    /** Largest message read whole and decoded: far above QEMU's 1 MiB max_data_xfer_size. */
    static final long MAX_DECODED = 16L << 20;
    /** Bytes forwarded at a time of a message above {@link #MAX_DECODED}. */
    static final int CHUNK = 1 << 20;
    /** The kernel passes at most 253 fds in one sendmsg (SCM_MAX_FD). */
    static final int SCM_MAX_FD = 253;
    /** Descriptors one message may bring; beyond, the proxy closes them and flags the message. */
    static final int MAX_FDS = 4 * SCM_MAX_FD;

    private static final int INITIAL_BUFFER = 64 * 1024;

    private final ProxyConnection c;
    private final Direction dir;
    private final UnixConnection from;
    private final UnixConnection to;
    private final TraceSink sink;
    private final DirectionCounts counts = new DirectionCounts();
    private final List<Fd> fds = new ArrayList<>();
    private MemorySegment buf = Arena.ofAuto().allocate(INITIAL_BUFFER, 8);
    private int fdsDropped;

    Pump(ProxyConnection c, Direction dir, UnixConnection from, UnixConnection to, TraceSink sink) {
        this.c = c;
        this.dir = dir;
        this.from = from;
        this.to = to;
        this.sink = sink;
    }

    DirectionCounts counts() {
        return counts;
    }

    @Override
    public void run() {
        String reason;
        try {
            reason = forwardAll();
        } catch (ClosedException e) {
            reason = null; // this side was closed because the other ended
        } catch (IOException e) {
            reason = c.closing() ? null : e.getMessage();
        } catch (RuntimeException e) {
            reason = "the proxy failed forwarding " + dir.label() + ": " + e;
        } finally {
            closeFds();
        }
        c.ended(reason);
    }

    /** Forwards messages until a side closes; returns why it stopped. */
    private String forwardAll() throws IOException {
        while (true) {
            long got = fill(0, Header.SIZE);
            if (got == 0) {
                return dir.sender() + " closed the connection";
            }
            if (got < Header.SIZE) {
                return truncated(got, -1);
            }
            long size = Header.size(buf);
            if (size > MAX_DECODED) {
                String ended = streamed(size);
                if (ended != null) {
                    return ended;
                }
                continue;
            }
            long frame = Math.max(size, Header.SIZE);
            ensure(frame);
            long body = fill(Header.SIZE, frame);
            if (Header.SIZE + body < frame) {
                return truncated(Header.SIZE + body, size);
            }
            List<String> framing = size < Header.SIZE
                    ? List.of("size " + size + " is below the 16-byte header; forwarded as a 16-byte message")
                    : List.of();
            MemorySegment msg = buf.asSlice(0, frame);
            publish(msg, size, MessageDecoder.decode(msg, fds.size()), framing);
            forward(msg);
        }
    }

    /**
     * Reports a message (or the header of one forwarded in chunks) and enters it into the
     * round-trip bookkeeping. Runs before the message is forwarded: its event is queued before
     * any reply to it can be.
     */
    private void publish(MemorySegment msg, long size, Decoded decoded, List<String> framing) {
        long now = System.nanoTime();
        Instant wall = Instant.now();
        int id = Header.id(msg);
        int command = Header.command(msg);
        int flags = Header.flags(msg);
        List<String> problems = new ArrayList<>(framing);
        long rtt = c.roundTrip(dir, flags, id, command, now, problems);
        if (fdsDropped > 0) {
            problems.add(fdsDropped + " fds dropped on the way in (more than " + MAX_FDS
                    + " in one message, or a truncated control message)");
            fdsDropped = 0;
        }
        List<String> kinds = FdKinds.of(fds);
        byte[] bytes = sink.wantsBytes() ? msg.toArray(ValueLayout.JAVA_BYTE) : null;
        TraceEvent.Message m = new TraceEvent.Message(
                c.name(),
                dir,
                wall,
                id,
                command,
                flags,
                Header.error(msg),
                size,
                msg.byteSize(),
                kinds,
                decoded,
                problems.isEmpty() ? List.of() : List.copyOf(problems),
                rtt,
                bytes);
        counts.message(flags, m.malformed(), fds.size(), msg.byteSize());
        sink.publish(m);
    }

    /** A message above {@link #MAX_DECODED}: its header, then the rest in chunks as it comes. */
    private String streamed(long size) throws IOException {
        MemorySegment header = buf.asSlice(0, Header.SIZE);
        publish(
                header,
                size,
                Decoded.NOTHING,
                List.of("size " + size + " is above the " + (MAX_DECODED >> 20)
                        + " MiB the proxy decodes; forwarded in chunks as it comes"));
        forward(header);
        ensure(CHUNK);
        long left = size - Header.SIZE;
        while (left > 0) {
            long n = receiveOnce(buf.asSlice(0, Math.min(left, CHUNK)));
            if (n == 0) {
                return dir.sender() + " closed the connection in the middle of a message (" + (size - left) + " of "
                        + size + " bytes)";
            }
            MemorySegment chunk = buf.asSlice(0, n);
            if (sink.wantsBytes() || !fds.isEmpty()) {
                sink.publish(new TraceEvent.Chunk(
                        c.name(), dir, Instant.now(), FdKinds.of(fds), chunk.toArray(ValueLayout.JAVA_BYTE)));
            }
            counts.more(fds.size(), n);
            forward(chunk);
            left -= n;
        }
        return null;
    }

    /** The sender closed after {@code got} bytes of a message: they are reported and forwarded. */
    private String truncated(long got, long size) throws IOException {
        MemorySegment part = buf.asSlice(0, got);
        String of = size < 0 ? "a header" : size + " bytes";
        List<String> framing = List.of("the " + dir.sender() + " closed after " + got + " bytes of " + of);
        if (got >= Header.SIZE) {
            publish(part, size, Decoded.NOTHING, framing);
        } else {
            sink.publish(new TraceEvent.Message(
                    c.name(),
                    dir,
                    Instant.now(),
                    -1,
                    -1,
                    0,
                    0,
                    size,
                    got,
                    FdKinds.of(fds),
                    Decoded.NOTHING,
                    framing,
                    -1,
                    sink.wantsBytes() ? part.toArray(ValueLayout.JAVA_BYTE) : null));
            counts.more(fds.size(), got);
        }
        forward(part);
        return dir.sender() + " closed the connection in the middle of a message (" + got + " of " + of + ")";
    }

    /** Receives into buf[at, end) until full or the sender closes; returns the bytes received. */
    private long fill(long at, long end) throws IOException {
        long start = at;
        while (at < end) {
            long n = receiveOnce(buf.asSlice(at, end - at));
            if (n == 0) {
                break;
            }
            at += n;
        }
        return at - start;
    }

    private long receiveOnce(MemorySegment into) throws IOException {
        int n;
        try {
            n = from.receive(into, fds, MAX_FDS - fds.size());
        } catch (ClosedException e) {
            throw e;
        } catch (IOException e) {
            if (c.closing()) {
                throw new ClosedException("closed while receiving");
            }
            throw new IOException("receiving from the " + dir.sender() + " failed: " + e.getMessage(), e);
        }
        fdsDropped += from.fdsDropped();
        return n;
    }

    /** Sends the bytes with the descriptors that came with them, then closes the proxy's copies. */
    private void forward(MemorySegment data) throws IOException {
        try {
            if (fds.size() <= SCM_MAX_FD) {
                to.send(data, fds);
                return;
            }
            // more than one sendmsg can carry: a byte for each further batch of 253
            long at = 0;
            int i = 0;
            while (fds.size() - i > SCM_MAX_FD && at < data.byteSize() - 1) {
                to.send(data.asSlice(at, 1), fds.subList(i, i + SCM_MAX_FD));
                at++;
                i += SCM_MAX_FD;
            }
            to.send(data.asSlice(at), fds.subList(i, Math.min(fds.size(), i + SCM_MAX_FD)));
        } catch (ClosedException e) {
            throw e;
        } catch (IOException e) {
            if (c.closing()) {
                throw new ClosedException("closed while sending");
            }
            throw new IOException("sending to the " + dir.receiver() + " failed: " + e.getMessage(), e);
        } finally {
            closeFds();
        }
    }

    private void ensure(long bytes) {
        if (bytes <= buf.byteSize()) {
            return;
        }
        MemorySegment bigger = Arena.ofAuto().allocate(Math.max(bytes, Math.min(2 * buf.byteSize(), MAX_DECODED)), 8);
        MemorySegment.copy(buf, 0, bigger, 0, Header.SIZE);
        buf = bigger;
    }

    private void closeFds() {
        for (Fd fd : fds) {
            fd.close();
        }
        fds.clear();
    }
}
