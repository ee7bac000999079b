package dev.jvfio.devicestate;

import dev.jvfio.device.VfioException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads back what a {@link StateWriter} wrote. The bytes come from another process, so every read
 * is bounds-checked: running off the end, a boolean that is neither 0 nor 1, or a value a section
 * refuses is a {@link VfioException} with EINVAL that names the section.
 */
public final class StateReader {
    private final byte[] data;
    private final String section;
    private int pos;

    public StateReader(byte[] data, String section) {
        this.data = data;
        this.section = section;
    }

    private void need(int n) throws VfioException {
        if (n < 0 || n > data.length - pos) {
            throw fail("ends early: " + n + " more bytes wanted at " + pos + " of " + data.length);
        }
    }

    /** An EINVAL that names the section. */
    public VfioException fail(String why) {
        return VfioException.invalid("state section '" + section + "' " + why);
    }

    /** Throws {@link #fail} with {@code why} unless {@code ok}. */
    public void require(boolean ok, String why) throws VfioException {
        if (!ok) {
            throw fail(why);
        }
    }

    public int getByte() throws VfioException {
        need(1);
        return data[pos++] & 0xFF;
    }

    public boolean getBoolean() throws VfioException {
        int b = getByte();
        require(b <= 1, "has " + b + " where a boolean belongs");
        return b == 1;
    }

    public int getInt() throws VfioException {
        need(4);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (data[pos++] & 0xFF) << (8 * i);
        }
        return v;
    }

    public long getLong() throws VfioException {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) (data[pos++] & 0xFF) << (8 * i);
        }
        return v;
    }

    /** Exactly {@code n} bytes. */
    public byte[] getBytes(int n) throws VfioException {
        need(n);
        byte[] out = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return out;
    }

    /** A blob written by {@link StateWriter#putBlob}, of exactly {@code expected} bytes. */
    public byte[] getBlob(int expected) throws VfioException {
        int n = getInt();
        require(n == expected, "holds " + Integer.toUnsignedString(n) + " bytes where " + expected + " belong");
        return getBytes(n);
    }

    public String getString() throws VfioException {
        int n = getByte() | getByte() << 8;
        byte[] b = getBytes(n);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b))
                    .toString();
        } catch (CharacterCodingException e) {
            throw fail("holds a string that is not UTF-8");
        }
    }

    public int remaining() {
        return data.length - pos;
    }

    /** Fails unless every byte was read: a longer section is another layout. */
    public void end() throws VfioException {
        require(pos == data.length, "has " + (data.length - pos) + " bytes more than its layout");
    }
}
