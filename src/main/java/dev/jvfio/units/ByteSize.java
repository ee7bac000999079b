package dev.jvfio.units;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * A byte count written the way QEMU and humans write it: {@code 96G}, {@code 1.5G}, {@code 512M},
 * {@code 1T}, {@code 4096}; a fraction must come to whole bytes. Suffixes are binary (K = 1024), case-insensitive, with an optional trailing
 * {@code B} or {@code iB} ({@code 96GiB}).
 */
public record ByteSize(long bytes) {
    public static final long KIB = 1L << 10, MIB = 1L << 20, GIB = 1L << 30, TIB = 1L << 40;

    public ByteSize {
        if (bytes < 0) throw new IllegalArgumentException("size must not be negative");
    }

    public static ByteSize parse(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) t = t.substring(0, t.length() - 2);
        else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        if (t.isEmpty()) throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 96G, 512M)");
        long unit = switch (t.charAt(t.length() - 1)) {
            case 'K' -> KIB;
            case 'M' -> MIB;
            case 'G' -> GIB;
            case 'T' -> TIB;
            default -> 1;
        };
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        if (!digits.matches("[+-]?\\d{1,30}(\\.\\d{1,30})?")) {
            throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 96G, 1.5G, 512M)");
        }
        BigDecimal n = new BigDecimal(digits);
        if (n.signum() < 0) throw new IllegalArgumentException("'" + text + "' is negative");
        BigDecimal bytes = n.multiply(BigDecimal.valueOf(unit));
        if (bytes.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number of bytes");
        }
        try {
            return new ByteSize(bytes.longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }

    /** The shortest exact QEMU spelling: 96G, 1536M, 4097. */
    public String qemu() {
        if (bytes == 0) return "0";
        if (bytes % TIB == 0) return bytes / TIB + "T";
        if (bytes % GIB == 0) return bytes / GIB + "G";
        if (bytes % MIB == 0) return bytes / MIB + "M";
        if (bytes % KIB == 0) return bytes / KIB + "K";
        return Long.toString(bytes);
    }

    /** For people: "96 GiB", "1.5 GiB", "4097 bytes". */
    public String human() {
        long[] units = {TIB, GIB, MIB, KIB};
        String[] names = {"TiB", "GiB", "MiB", "KiB"};
        for (int i = 0; i < units.length; i++) {
            if (bytes >= units[i]) {
                double v = (double) bytes / units[i];
                return (v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v)) + " "
                        + names[i];
            }
        }
        return bytes + " bytes";
    }

    /** The smallest power of two >= bytes (bytes > 0). */
    public static long roundUpPow2(long bytes) {
        if (bytes <= 1) return 1;
        long p = Long.highestOneBit(bytes - 1) << 1;
        if (p <= 0) throw new IllegalArgumentException("size too large: " + bytes);
        return p;
    }

    @Override
    public String toString() {
        return qemu();
    }
}
