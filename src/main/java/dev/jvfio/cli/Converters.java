package dev.jvfio.cli;

import dev.jvfio.qemu.QemuMachine;
import dev.jvfio.qemu.QemuTopology;
import dev.jvfio.units.ByteSize;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters for the value types of our options. */
final class Converters {
    private Converters() {}

    static final class Size implements ITypeConverter<ByteSize> {
        @Override
        public ByteSize convert(String value) {
            try {
                return ByteSize.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Machine implements ITypeConverter<QemuMachine> {
        @Override
        public QemuMachine convert(String value) {
            try {
                return QemuMachine.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Topology implements ITypeConverter<QemuTopology> {
        @Override
        public QemuTopology convert(String value) {
            try {
                return QemuTopology.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * Paths: one the file system can hold (no NUL) and that came as UTF-8 (the JVM turns bytes that
     * are not into U+FFFD, which would silently name another file).
     */
    static final class FilePath implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            if (value.indexOf('\0') >= 0) throw new TypeConversionException("a path cannot hold a NUL character");
            if (value.indexOf('\uFFFD') >= 0)
                throw new TypeConversionException("the path holds bytes that are not UTF-8");
            try {
                return Path.of(value);
            } catch (InvalidPathException e) {
                throw new TypeConversionException("'" + value + "' is not a usable path (" + e.getReason() + ")");
            }
        }
    }

    static final class Delay implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * A duration as {@link #parseDuration} reads it, exact, in the largest unit that divides it:
     * "60m", "90s", "1500ms", "200us", "0" (sub-microsecond rest, which no option can be given, is
     * dropped).
     */
    static String text(Duration d) {
        long us = d.toNanos() / 1000;
        if (us == 0) return "0";
        if (us % 3_600_000_000L == 0) return us / 3_600_000_000L + "h";
        if (us % 60_000_000L == 0) return us / 60_000_000L + "m";
        if (us % 1_000_000L == 0) return us / 1_000_000L + "s";
        if (us % 1000 == 0) return us / 1000 + "ms";
        return us + "us";
    }

    /** "2s", "500ms", "200us", "1m", "1h", "0" -> Duration; negative or unknown units are rejected. */
    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        String bad = "'" + text + "' is not a duration (e.g. 2s, 500ms, 200us, 1m, 1h)";
        if (t.equals("0")) return Duration.ZERO;
        long factorNanos;
        int unit;
        if (t.endsWith("us")) {
            factorNanos = 1_000L;
            unit = 2;
        } else if (t.endsWith("ms")) {
            factorNanos = 1_000_000L;
            unit = 2;
        } else if (t.endsWith("s")) {
            factorNanos = 1_000_000_000L;
            unit = 1;
        } else if (t.endsWith("m")) {
            factorNanos = 60_000_000_000L;
            unit = 1;
        } else if (t.endsWith("h")) {
            factorNanos = 3_600_000_000_000L;
            unit = 1;
        } else {
            throw new IllegalArgumentException(bad);
        }
        String digits = t.substring(0, t.length() - unit);
        if (!digits.matches("\\d{1,18}")) throw new IllegalArgumentException(bad);
        try {
            return Duration.ofNanos(Math.multiplyExact(Long.parseLong(digits), factorNanos));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(bad);
        }
    }
}
