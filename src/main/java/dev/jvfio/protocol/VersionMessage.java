package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * VERSION (VU-3): {@code u16 major, u16 minor}, then optional NUL-terminated UTF-8 JSON
 * capabilities. The same layout serves request and reply. Decoding copies the JSON out (it is
 * parsed once per connection, never on a hot path).
 */
public final class VersionMessage {
    public static final int MAJOR = 0;
    /**
     * The highest minor we speak. QEMU 10.2 proposes 0.0 and rejects a reply minor above it;
     * the reply carries min(proposed, ours), so QEMU gets 0 (VU-8.1).
     */
    public static final int MINOR = 1;

    static final int OFF_MAJOR = Header.SIZE;
    static final int OFF_MINOR = Header.SIZE + 2;
    static final int OFF_JSON = Header.SIZE + 4;

    private int major;
    private int minor;
    private Capabilities capabilities;
    private String problem;

    /**
     * Decodes a whole VERSION message (header included, {@code msg.byteSize()} equal to the
     * header's size). Returns 0 or an errno; {@link #problem()} says why.
     */
    public int wrap(MemorySegment msg) {
        capabilities = null;
        problem = null;
        if (msg.byteSize() < OFF_JSON) {
            return fail(Errno.EINVAL, "VERSION payload shorter than 4 bytes");
        }
        major = Wire.u16(msg, OFF_MAJOR);
        minor = Wire.u16(msg, OFF_MINOR);
        long jsonLen = msg.byteSize() - OFF_JSON;
        if (jsonLen == 0) {
            capabilities = Capabilities.DEFAULTS;
            return 0;
        }
        if (jsonLen > Capabilities.MAX_JSON_BYTES + 1) {
            return fail(Errno.E2BIG, "capabilities of " + jsonLen + " bytes");
        }
        if (msg.get(ValueLayout.JAVA_BYTE, msg.byteSize() - 1) != 0) {
            return fail(Errno.EINVAL, "capabilities not NUL-terminated");
        }
        byte[] json = msg.asSlice(OFF_JSON, jsonLen - 1).toArray(ValueLayout.JAVA_BYTE);
        for (byte b : json) {
            if (b == 0) {
                return fail(Errno.EINVAL, "NUL inside capabilities");
            }
        }
        try {
            capabilities = Capabilities.parse(json);
        } catch (Capabilities.Invalid e) {
            return fail(e.errno(), e.getMessage());
        }
        return 0;
    }

    private int fail(int errno, String why) {
        problem = why;
        return errno;
    }

    public int major() {
        return major;
    }

    public int minor() {
        return minor;
    }

    public Capabilities capabilities() {
        return capabilities;
    }

    public String problem() {
        return problem;
    }

    /**
     * Encodes a VERSION message (request if {@code reply} is false) with the capabilities JSON and
     * its NUL; returns the message size.
     */
    public static int encode(MemorySegment out, int id, boolean reply, int major, int minor, Capabilities caps) {
        byte[] json = caps.toJson();
        int size = OFF_JSON + json.length + 1;
        if (reply) {
            Header.reply(out, id, Command.VERSION, size);
        } else {
            Header.request(out, id, Command.VERSION, size, false);
        }
        Wire.putU16(out, OFF_MAJOR, major);
        Wire.putU16(out, OFF_MINOR, minor);
        MemorySegment.copy(json, 0, out, ValueLayout.JAVA_BYTE, OFF_JSON, json.length);
        out.set(ValueLayout.JAVA_BYTE, OFF_JSON + json.length, (byte) 0);
        return size;
    }
}
