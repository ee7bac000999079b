package dev.jvfio.devicestate;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C helpers: over byte ranges and over runs of zeros (the holes of a memory chunk). */
final class Crc {
    private Crc() {}

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

    /** Feeds {@code n} zero bytes to {@code crc}. */
    static void zeros(CRC32C crc, long n) {
        while (n > 0) {
            int k = (int) Math.min(n, ZEROS.capacity());
            crc.update(ZEROS.duplicate().limit(k));
            n -= k;
        }
    }

    /** The CRC32C of {@code b[from, to)}. */
    static int of(byte[] b, int from, int to) {
        CRC32C c = new CRC32C();
        c.update(b, from, to - from);
        return (int) c.getValue();
    }

    static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    static int getInt(byte[] b, int at) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (b[at + i] & 0xFF) << (8 * i);
        }
        return v;
    }

    static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) (b[at + i] & 0xFF) << (8 * i);
        }
        return v;
    }
}
