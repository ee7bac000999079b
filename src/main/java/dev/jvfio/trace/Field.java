package dev.jvfio.trace;

import java.util.HexFormat;
import java.util.Locale;

/**
 * One decoded field of a message, e.g. {@code region=7} or {@code addr=0x100000}: how it is shown
 * is part of the field (addresses and sizes in hex, indexes and counts in decimal), so the text
 * line and the JSON line show the same thing.
 *
 * @param name   the field's name, as printed
 * @param kind   how the value is rendered
 * @param number the value of a HEX or DEC field (taken as unsigned)
 * @param text   the value of a TEXT, JSON or BYTES field (BYTES: lowercase hex)
 */
public record Field(String name, Kind kind, long number, String text) {
    /** How a value is rendered. */
    public enum Kind {
        /** An address, offset or size: {@code 0x...} in text and JSON. */
        HEX,
        /** An index or count: decimal, a JSON number. */
        DEC,
        /** A name or a list: as is, a JSON string. */
        TEXT,
        /** JSON text from the wire (the VERSION capabilities): as is, a JSON value when it parses. */
        JSON,
        /** Data bytes: lowercase hex, a JSON string. */
        BYTES
    }

    static Field hex(String name, long value) {
        return new Field(name, Kind.HEX, value, null);
    }

    static Field dec(String name, long value) {
        return new Field(name, Kind.DEC, value, null);
    }

    static Field text(String name, String value) {
        return new Field(name, Kind.TEXT, 0, value);
    }

    static Field json(String name, String value) {
        return new Field(name, Kind.JSON, 0, value);
    }

    static Field bytes(String name, byte[] value) {
        return new Field(name, Kind.BYTES, 0, HexFormat.of().formatHex(value));
    }

    /** The value as the text line shows it. */
    public String value() {
        return switch (kind) {
            case HEX -> "0x" + Long.toHexString(number);
            case DEC -> Long.toUnsignedString(number);
            case TEXT, JSON, BYTES -> text;
        };
    }

    @Override
    public String toString() {
        return name + "=" + value();
    }

    /** Bit names of {@code flags} joined with '|', unknown bits as hex; "0" when none is set. */
    static String bits(int flags, String... names) {
        StringBuilder sb = new StringBuilder();
        int rest = flags;
        for (int i = 0; i < names.length && i < 32; i++) {
            if ((flags & (1 << i)) != 0 && names[i] != null) {
                sb.append(sb.isEmpty() ? "" : "|").append(names[i]);
                rest &= ~(1 << i);
            }
        }
        if (rest != 0) {
            sb.append(sb.isEmpty() ? "" : "|")
                    .append("0x")
                    .append(Integer.toHexString(rest).toLowerCase(Locale.ROOT));
        }
        return sb.isEmpty() ? "0" : sb.toString();
    }
}
