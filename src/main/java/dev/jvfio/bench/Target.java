package dev.jvfio.bench;

/**
 * A goal from issue 7 and whether this run met it.
 *
 * @param text what is aimed at, e.g. "ratio >= 0.90" or "< 128 MiB"
 * @param met  whether the row's median meets it
 */
public record Target(String text, boolean met) {
    static Target ratioAtLeast(double min, double ratio) {
        return new Target(String.format(java.util.Locale.ROOT, "ratio >= %.2f", min), ratio >= min);
    }

    static Target below(double limit, String unit, double value) {
        return new Target(String.format(java.util.Locale.ROOT, "< %s %s", Table.number(limit), unit), value < limit);
    }
}
