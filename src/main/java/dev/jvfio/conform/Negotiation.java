package dev.jvfio.conform;

import dev.jvfio.client.RawMessage;
import dev.jvfio.device.Errno;
import dev.jvfio.protocol.Command;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Opening connections (VU-3): the checker's own VERSION proposal, the first exchange of a fresh
 * connection (whatever its first message), and a negotiated session for the checks that need one.
 * A server that serves one client at a time answers EBUSY while the previous connection is being
 * torn down; that is waited out, within the patience.
 */
final class Negotiation {
    private Negotiation() {}

    /** What the checker proposes: QEMU's numbers (VU-8.1) without write_multiple or twin-socket mode. */
    static final Caps PROPOSED = new Caps(16, 1 << 20, 65535, 4096, false);

    static final String PROPOSED_JSON = "{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,"
            + "\"pgsizes\":4096,\"max_dma_maps\":65535}}";

    /** A VERSION payload: major, minor, then the JSON with its NUL (none if {@code json} is null). */
    static byte[] proposal(int major, int minor, String json) {
        Le p = Le.payload().u16(major).u16(minor);
        if (json != null) {
            p.bytes(json.getBytes(StandardCharsets.UTF_8)).bytes(new byte[] {0});
        }
        return p.toBytes();
    }

    /** A fresh connection and what its first message brought back: null when the server hung up. */
    record First(Conversation conversation, Conversation.Exchange answer) {
        boolean hungUp() {
            return answer == null;
        }
    }

    /**
     * Connects and sends {@code payload} as the first message with {@code command}; returns the
     * answer, retrying while the server answers EBUSY (another connection still attached).
     */
    static First first(Path socket, Duration timeout, Duration patience, int command, byte[] payload)
            throws IOException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            Conversation c = Conversation.connect(socket, timeout);
            try {
                First f = exchange(c, command, payload);
                if (f.hungUp() || !isBusy(f.answer().reply()) || System.nanoTime() > deadline) {
                    return f;
                }
            } catch (IOException | RuntimeException e) {
                c.close();
                throw e;
            }
            c.close();
            pause();
        }
    }

    private static First exchange(Conversation c, int command, byte[] payload) throws IOException {
        int id = c.nextId();
        IOException sendFailure = null;
        try {
            c.sendBytes(Le.message(id, command, Spec.TYPE_COMMAND, payload), List.of());
        } catch (IOException e) {
            sendFailure = e; // it may have answered and hung up already: read what it sent
        }
        try {
            return new First(c, new Conversation.Exchange(id, command, c.receive()));
        } catch (EOFException e) {
            return new First(c, null);
        } catch (IOException e) {
            if (Conversation.isReset(e) || sendFailure != null && !(e instanceof Conversation.NoReply)) {
                return new First(c, null);
            }
            throw e;
        }
    }

    /** The server kept answering EBUSY for the whole patience: another client is attached. */
    static final class Busy extends IOException {
        Busy() {
            super("the server stays busy (EBUSY): is another client attached?");
        }
    }

    static boolean isBusy(RawMessage r) {
        return (r.flags() & Spec.ERROR) != 0 && r.error() == Errno.EBUSY;
    }

    /** A negotiated session: VERSION 0.0 with {@link #PROPOSED}, its reply checked, its caps kept. */
    static Conversation open(Path socket, Duration timeout, Duration patience) throws IOException {
        return open(socket, timeout, patience, PROPOSED_JSON);
    }

    /** A negotiated session proposing 0.0 with {@code json}. */
    static Conversation open(Path socket, Duration timeout, Duration patience, String json) throws IOException {
        First f = first(socket, timeout, patience, Command.VERSION, proposal(0, 0, json));
        Conversation c = f.conversation();
        try {
            if (f.hungUp()) {
                throw new IOException("the server hung up on VERSION 0.0");
            }
            RawMessage r = f.answer().reply();
            if (isBusy(r)) {
                throw new Busy();
            }
            if ((r.flags() & Spec.ERROR) != 0) {
                throw new IOException("the server refused VERSION 0.0 with " + Errno.name(r.error()));
            }
            if (r.id() != f.answer().id()
                    || r.command() != Command.VERSION
                    || (r.flags() & Spec.TYPE_MASK) != Spec.TYPE_REPLY) {
                throw new IOException("the answer to VERSION is not its reply: id " + r.id() + " command "
                        + Command.name(r.command()) + " flags 0x" + Integer.toHexString(r.flags()));
            }
            VersionReply v = VersionReply.parse(r.payload());
            if (v.major() != 0 || v.minor() != 0 || !v.problems().isEmpty()) {
                throw new IOException("unusable VERSION reply " + v.major() + "." + v.minor() + " " + v.problems());
            }
            c.caps(v.caps());
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the server was busy");
        }
    }
}
