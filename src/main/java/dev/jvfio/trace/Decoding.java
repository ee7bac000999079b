package dev.jvfio.trace;

import dev.jvfio.device.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoding of one message in progress: the message (header included, exactly the bytes that
 * were forwarded), whether it is a reply, the fields found so far and the first problem seen.
 * The per-command decoders add to it; {@link MessageDecoder} creates it and returns the result.
 */
final class Decoding {
    /** Data of a read or write up to this many bytes is shown in the line (more: --hex). */
    static final int SHOWN_DATA = 8;

    final MemorySegment msg;
    final boolean reply;
    final int nfds;
    private final List<Field> fields = new ArrayList<>(6);
    private final List<String> problems = new ArrayList<>(1);

    Decoding(MemorySegment msg, boolean reply, int nfds) {
        this.msg = msg;
        this.reply = reply;
        this.nfds = nfds;
    }

    long size() {
        return msg.byteSize();
    }

    void hex(String name, long value) {
        fields.add(Field.hex(name, value));
    }

    void dec(String name, long value) {
        fields.add(Field.dec(name, value));
    }

    void text(String name, String value) {
        fields.add(Field.text(name, value));
    }

    void json(String name, String value) {
        fields.add(Field.json(name, value));
    }

    /** The data bytes at {@code offset}, when there are at most {@link #SHOWN_DATA} and all present. */
    void data(long offset, long count) {
        if (count > 0 && count <= SHOWN_DATA && offset + count <= msg.byteSize()) {
            fields.add(Field.bytes("data", msg.asSlice(offset, count).toArray(ValueLayout.JAVA_BYTE)));
        }
    }

    /** Records what is wrong with the message (it is forwarded anyway). */
    void problem(String why) {
        problems.add(why);
    }

    /** A codec's verdict: nothing when 0, else a problem naming the errno the codec gave. */
    void verdict(int errno, String what) {
        if (errno != 0) {
            problems.add(what + " (" + Errno.name(errno) + ")");
        }
    }

    /** The payload is shorter than the fixed part {@code fixed} bytes of this command needs. */
    boolean shorterThan(long fixed, String what) {
        if (msg.byteSize() < fixed) {
            problems.add(what + " needs " + fixed + " bytes, the message has " + msg.byteSize());
            return true;
        }
        return false;
    }

    Decoded done() {
        return new Decoded(List.copyOf(fields), List.copyOf(problems));
    }
}
