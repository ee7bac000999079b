package dev.jvfio.bench;

/**
 * A goal from issue 7 and whether this run met it.
 *
 * @param text what is aimed at, e.g. "ratio >= 0.90" or "< 128 MiB"
 * @param met  whether the row's median meets it
 */
public record Target(String text, boolean met) {
    /**
     * A ratio target judged on the paired ratio and its interval: missed only when the whole 95%
     * interval is below {@code min} (the run shows the row is below target); met otherwise. With
     * fewer than two pairs there is no interval and the paired ratio itself is compared.
     */
    static Target ratioAtLeast(double min, Spread s) {
        double judged = s.hasInterval() ? s.high() : s.ratio();
        return ratioAtLeast(min, judged);
    }

    static Target ratioAtLeast(double min, double ratio) {
        return new Target(String.format(java.util.Locale.ROOT, "ratio >= %.2f", min), ratio >= min);
    }

    static Target below(double limit, String unit, double value) {
        return new Target(String.format(java.util.Locale.ROOT, "< %s %s", Table.number(limit), unit), value < limit);
    }
}
