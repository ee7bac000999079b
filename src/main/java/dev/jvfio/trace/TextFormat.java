package dev.jvfio.trace;

import dev.jvfio.device.Errno;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The printed log: one line per message ({@code time conn dir #id COMMAND type fields rtt}),
 * one per connect and close, and with --hex the bytes under each message. docs/trace.md shows
 * an excerpt.
 */
final class TextFormat {
    /** Bytes of one message the hex dump shows (the JSON file has them all). */
    static final int HEX_LIMIT = 4096;

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS", Locale.ROOT).withZone(ZoneId.systemDefault());

    private TextFormat() {}

    static String time(Instant t) {
        return TIME.format(t);
    }

    /** The type word of a header's flags: request, posted (no reply wanted), reply, error. */
    static String type(int flags) {
        int type = flags & Header.TYPE_MASK;
        if (type == Header.TYPE_REPLY) {
            return (flags & Header.FLAG_ERROR) != 0 ? "error" : "reply";
        }
        if (type == Header.TYPE_COMMAND) {
            return (flags & Header.FLAG_NO_REPLY) != 0 ? "posted" : "request";
        }
        return "type" + type;
    }

    /** Whether the flags are more than {@link #type} says (reserved bits, odd combinations). */
    static boolean unusualFlags(int flags) {
        return flags != Header.TYPE_COMMAND
                && flags != (Header.TYPE_COMMAND | Header.FLAG_NO_REPLY)
                && flags != Header.TYPE_REPLY
                && flags != (Header.TYPE_REPLY | Header.FLAG_ERROR);
    }

    static String line(TraceEvent.Message m) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(time(m.time()))
                .append(' ')
                .append(m.conn())
                .append(' ')
                .append(m.dir().label())
                .append(' ');
        sb.append(String.format(Locale.ROOT, "#%-5d %-24s %-7s", m.id(), Command.name(m.command()), type(m.flags())));
        if (unusualFlags(m.flags())) {
            sb.append(" flags=0x").append(Integer.toHexString(m.flags()));
        }
        if (m.error() != 0 || (m.flags() & Header.FLAG_ERROR) != 0) {
            sb.append(" error=")
                    .append(Errno.name(m.error()))
                    .append('(')
                    .append(Integer.toUnsignedString(m.error()))
                    .append(')');
        }
        for (Field f : m.decoded().fields()) {
            sb.append(' ').append(f);
        }
        if (!m.fdKinds().isEmpty()) {
            sb.append(" fds=").append(String.join(",", m.fdKinds()));
        }
        if (m.rttNanos() >= 0) {
            sb.append(" rtt=").append(duration(m.rttNanos()));
        }
        if (m.malformed()) {
            sb.append(" !! ");
            String sep = "";
            for (String p : m.framing()) {
                sb.append(sep).append(p);
                sep = "; ";
            }
            for (String p : m.decoded().problems()) {
                sb.append(sep).append(p);
                sep = "; ";
            }
        }
        return sb.toString();
    }

    /** 3.2us, 41us, 1.25ms, 2.31s. */
    static String duration(long nanos) {
        double us = nanos / 1e3;
        if (us < 10) {
            return String.format(Locale.ROOT, "%.1fus", us);
        }
        if (us < 1000) {
            return String.format(Locale.ROOT, "%.0fus", us);
        }
        if (us < 1_000_000) {
            return String.format(Locale.ROOT, "%.2fms", us / 1e3);
        }
        return String.format(Locale.ROOT, "%.2fs", us / 1e6);
    }

    /** The bytes under a message line: offset, 16 bytes in hex; at most {@link #HEX_LIMIT} of them. */
    static void hexDump(StringBuilder sb, byte[] bytes) {
        int shown = Math.min(bytes.length, HEX_LIMIT);
        for (int line = 0; line < shown; line += 16) {
            sb.append(String.format(Locale.ROOT, "    %04x ", line));
            for (int i = line; i < Math.min(line + 16, shown); i++) {
                sb.append(' ')
                        .append(Character.forDigit((bytes[i] >> 4) & 0xf, 16))
                        .append(Character.forDigit(bytes[i] & 0xf, 16));
            }
            sb.append('\n');
        }
        if (bytes.length > shown) {
            sb.append("    ... ").append(bytes.length - shown).append(" more bytes\n");
        }
    }

    static String connect(TraceEvent.Connect c) {
        String s = time(c.time()) + " " + c.conn() + " -- " + c.client() + " connected";
        return c.failure() == null
                ? s + "; forwarding to " + c.server()
                : s + "; cannot connect to " + c.server() + ": " + c.failure() + "; closing the client";
    }

    static String close(TraceEvent.Close c) {
        return time(c.time()) + " " + c.conn() + " -- closed (" + c.reason() + "): C->S " + counts(c.clientSide())
                + "; S->C " + counts(c.serverSide()) + "; "
                + (c.unanswered() == 0 ? "every request answered" : c.unanswered() + " requests unanswered");
    }

    private static String counts(TraceEvent.Counts n) {
        StringBuilder sb = new StringBuilder();
        sb.append(n.messages()).append(" messages (").append(n.requests()).append(" requests, ");
        if (n.posted() > 0) {
            sb.append(n.posted()).append(" posted, ");
        }
        sb.append(n.replies()).append(" replies");
        if (n.errors() > 0) {
            sb.append(", ").append(n.errors()).append(" errors");
        }
        if (n.malformed() > 0) {
            sb.append(", ").append(n.malformed()).append(" malformed");
        }
        return sb.append(", ")
                .append(n.fds())
                .append(" fds, ")
                .append(n.bytes())
                .append(" bytes)")
                .toString();
    }
}
