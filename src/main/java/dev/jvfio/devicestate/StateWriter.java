package dev.jvfio.devicestate;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds the payload of one state section: little-endian integers, byte strings and short
 * UTF-8 strings, in the order the section's {@link StateReader} will read them back.
 */
public final class StateWriter {
    private byte[] buf = new byte[256];
    private int size;

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    public StateWriter putByte(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    public StateWriter putBoolean(boolean v) {
        return putByte(v ? 1 : 0);
    }

    public StateWriter putInt(int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            buf[size++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    public StateWriter putLong(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[size++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    /** The bytes as they are, without a length (the reader knows how many to expect). */
    public StateWriter putBytes(byte[] v) {
        ensure(v.length);
        System.arraycopy(v, 0, buf, size, v.length);
        size += v.length;
        return this;
    }

    /** A length (u32) and the bytes. */
    public StateWriter putBlob(byte[] v) {
        putInt(v.length);
        return putBytes(v);
    }

    /** A UTF-8 string of at most 65535 bytes, after its length (u16). */
    public StateWriter putString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("string of " + b.length + " bytes");
        }
        putByte(b.length);
        putByte(b.length >>> 8);
        return putBytes(b);
    }

    public int size() {
        return size;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
