package dev.jvfio.conform;

import java.io.ByteArrayOutputStream;

/**
 * Little-endian fields (every vfio-user integer is little-endian, VU-2): a payload builder for the
 * requests the checker sends, and bounds-checked readers for the replies it judges. A reader past
 * the end of a reply is a FAIL, not an exception that escapes.
 */
final class Le {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

    static Le payload() {
        return new Le();
    }

    Le u16(int v) {
        out.write(v);
        out.write(v >>> 8);
        return this;
    }

    Le u32(long v) {
        return u16((int) v).u16((int) (v >>> 16));
    }

    Le u64(long v) {
        return u32(v).u32(v >>> 32);
    }

    Le bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    byte[] toBytes() {
        return out.toByteArray();
    }

    static int u16(byte[] b, int off) {
        need(b, off, 2);
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    /** A u32 widened without sign extension. */
    static long u32(byte[] b, int off) {
        need(b, off, 4);
        return (long) u16(b, off) | (long) u16(b, off + 2) << 16;
    }

    static long u64(byte[] b, int off) {
        need(b, off, 8);
        return u32(b, off) | u32(b, off + 4) << 32;
    }

    private static void need(byte[] b, int off, int n) {
        if (off < 0 || off + n > b.length) {
            throw Verdict.fail("reply payload of " + b.length + " bytes has no field at offset " + off);
        }
    }

    /** A whole message: the 16-byte header (VU-2.1) and the payload. */
    static byte[] message(int id, int command, int flags, byte[] payload) {
        return payload()
                .u16(id)
                .u16(command)
                .u32(Spec.HEADER + payload.length)
                .u32(flags)
                .u32(0)
                .bytes(payload)
                .toBytes();
    }
}
