package dev.jvfio.conform;

import dev.jvfio.os.Fd;
import dev.jvfio.transport.UnixConnection;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One vfio-user message as the misbehaving proxy handles it: header fields, payload and fds, with
 * copies that change one thing. {@code size} is the header's size field as received (it may lie
 * when it is below the header).
 */
record Frame(int id, int command, long size, int flags, int error, byte[] payload, List<Fd> fds) {
    static final int NO_REPLY = 0x10;
    static final int ERROR = 0x20;

    /** Reads one message; null at end of stream. A size field below 16 comes back with no payload. */
    static Frame read(UnixConnection conn) throws IOException {
        byte[] head = new byte[16];
        List<Fd> fds = new ArrayList<>();
        MemorySegment h = MemorySegment.ofArray(head);
        int got = 0;
        while (got < 16) {
            int n = conn.receive(h.asSlice(got), fds, 16);
            if (n == 0) {
                fds.forEach(Fd::close);
                return null;
            }
            got += n;
        }
        long size = Le.u32(head, 4);
        byte[] payload = new byte[size < 16 ? 0 : (int) Math.min(size - 16, 64 << 20)];
        if (payload.length > 0) {
            conn.receiveFully(MemorySegment.ofArray(payload), fds, 16);
        }
        return new Frame(
                Le.u16(head, 0), Le.u16(head, 2), size, (int) Le.u32(head, 8), (int) Le.u32(head, 12), payload, fds);
    }

    void send(UnixConnection conn) throws IOException {
        byte[] m = Le.payload()
                .u16(id)
                .u16(command)
                .u32(16 + payload.length)
                .u32(flags)
                .u32(error)
                .bytes(payload)
                .toBytes();
        conn.send(MemorySegment.ofArray(m), fds);
    }

    boolean noReply() {
        return (flags & NO_REPLY) != 0;
    }

    boolean isError() {
        return (flags & ERROR) != 0;
    }

    /** The success reply to this request with {@code payload}. */
    Frame reply(byte[] payload) {
        return new Frame(id, command, 16 + payload.length, 1, 0, payload, List.of());
    }

    /** The header-only error reply to this request. */
    Frame errorReply(int errno) {
        return new Frame(id, command, 16, 1 | ERROR, errno, new byte[0], List.of());
    }

    Frame withId(int v) {
        return new Frame(v, command, size, flags, error, payload, fds);
    }

    Frame withFlags(int v) {
        return new Frame(id, command, size, v, error, payload, fds);
    }

    Frame withPayload(byte[] v) {
        return new Frame(id, command, 16 + v.length, flags, error, v, fds);
    }

    Frame withoutFds() {
        fds.forEach(Fd::close);
        return new Frame(id, command, size, flags, error, payload, List.of());
    }

    long u32(int off) {
        return Le.u32(payload, off);
    }

    long u64(int off) {
        return Le.u64(payload, off);
    }

    /** A copy of the payload with the u32 at {@code off} set to {@code v}. */
    byte[] putU32(int off, long v) {
        byte[] p = Arrays.copyOf(payload, payload.length);
        byte[] f = Le.payload().u32(v).toBytes();
        System.arraycopy(f, 0, p, off, 4);
        return p;
    }

    /** A copy of the payload with the u16 at {@code off} set to {@code v}. */
    byte[] putU16(int off, int v) {
        byte[] p = Arrays.copyOf(payload, payload.length);
        p[off] = (byte) v;
        p[off + 1] = (byte) (v >>> 8);
        return p;
    }

    String text() {
        return new String(payload, StandardCharsets.ISO_8859_1);
    }
}
