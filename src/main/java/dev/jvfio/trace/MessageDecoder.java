package dev.jvfio.trace;

import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.VersionMessage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes one whole message for the log with the protocol's codecs: the header conventions
 * (VU-2.1, VU-2.2), then the fields that matter for its command. Never throws and never changes
 * the message: what a codec rejects becomes a problem in the result, and the proxy forwards the
 * message all the same.
 */
public final class MessageDecoder {
    /** Longest capabilities text shown (QEMU's is about 200 bytes; the codec refuses above 4 KiB). */
    static final int SHOWN_CAPS = 4096;

    private MessageDecoder() {}

    /**
     * Decodes {@code msg}, the complete message as it travelled (header included).
     *
     * @param nfds file descriptors that arrived with it
     */
    public static Decoded decode(MemorySegment msg, int nfds) {
        if (msg.byteSize() < Header.SIZE) {
            return new Decoded(List.of(), List.of("shorter than the 16-byte header"));
        }
        int flags = Header.flags(msg);
        int type = flags & Header.TYPE_MASK;
        Decoding d = new Decoding(msg, type == Header.TYPE_REPLY, nfds);
        try {
            header(d, flags, type);
            if (d.reply && Header.isError(msg)) {
                if (msg.byteSize() > Header.SIZE) {
                    d.problem("error reply with " + (msg.byteSize() - Header.SIZE)
                            + " payload bytes (VU-2.2: the header alone)");
                }
                return d.done();
            }
            command(d, Header.command(msg));
        } catch (RuntimeException e) {
            d.problem("the decoder failed: " + e);
        }
        return d.done();
    }

    private static void header(Decoding d, int flags, int type) {
        if (type != Header.TYPE_COMMAND && type != Header.TYPE_REPLY) {
            d.problem("message type " + type + " is neither a command (0) nor a reply (1)");
        }
        if ((flags & ~Header.KNOWN_FLAGS) != 0) {
            d.problem("reserved flag bits 0x" + Integer.toHexString(flags & ~Header.KNOWN_FLAGS));
        }
        if (!d.reply && Header.error(d.msg) != 0) {
            d.problem("a command with error " + Integer.toUnsignedString(Header.error(d.msg)));
        }
        if (!d.reply && Header.isError(d.msg)) {
            d.problem("a command with the error flag");
        }
        if (d.reply && Header.noReply(d.msg)) {
            d.problem("a reply with the no-reply flag");
        }
    }

    private static void command(Decoding d, int command) {
        switch (command) {
            case Command.VERSION -> version(d);
            case Command.DMA_MAP, Command.DMA_UNMAP, Command.DMA_READ, Command.DMA_WRITE ->
                DmaFields.decode(d, command);
            case Command.DEVICE_GET_INFO,
                    Command.DEVICE_GET_REGION_INFO,
                    Command.DEVICE_GET_REGION_IO_FDS,
                    Command.REGION_READ,
                    Command.REGION_WRITE,
                    Command.REGION_WRITE_MULTI -> RegionFields.decode(d, command);
            case Command.DEVICE_GET_IRQ_INFO, Command.DEVICE_SET_IRQS -> IrqFields.decode(d, command);
            case Command.DEVICE_FEATURE, Command.MIG_DATA_READ, Command.MIG_DATA_WRITE ->
                FeatureFields.decode(d, command);
            case Command.DEVICE_RESET, Command.DIRTY_PAGES -> {
                // no payload to show
            }
            default -> d.problem("unknown command " + command);
        }
    }

    /** VERSION, both ways (VU-3): the version and the capabilities JSON as sent. */
    private static void version(Decoding d) {
        MemorySegment msg = d.msg;
        if (d.shorterThan(Header.SIZE + 4, "VERSION")) {
            return;
        }
        VersionMessage v = new VersionMessage();
        int errno = v.wrap(msg);
        d.text("version", v.major() + "." + v.minor());
        long start = Header.SIZE + 4;
        long end = start;
        while (end < msg.byteSize() && end - start < SHOWN_CAPS && msg.get(ValueLayout.JAVA_BYTE, end) != 0) {
            end++;
        }
        if (end > start) {
            String caps =
                    new String(msg.asSlice(start, end - start).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            d.json("caps", oneLine(caps));
        }
        d.verdict(errno, errno == 0 ? "" : "VERSION rejected: " + v.problem());
    }

    /** The text with control characters (newlines in pretty-printed JSON) as spaces, for one line. */
    static String oneLine(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return sb.toString();
    }
}
