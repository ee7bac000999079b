package dev.jvfio.bench;

import java.util.Locale;

/**
 * A goal from issue 7 and whether this run met it.
 *
 * @param text     what is aimed at, e.g. "ratio >= 0.90" or "< 128 MiB"
 * @param met      whether the row meets it: for a ratio target, whether the run does not show the
 *                 row below it (its 95% interval reaches the target); else whether the median meets it
 * @param resolved whether the run decides it: false when the 95% interval spans the target (the
 *                 verdict then says what the run could not rule out, not what it showed)
 */
public record Target(String text, boolean met, boolean resolved) {
    /**
     * A ratio target judged on the paired ratio and its interval (issue 17): MISSED only when the
     * whole 95% interval is below {@code min}; met otherwise, resolved when the whole interval is at
     * or above it. With fewer than two pairs there is no interval and the paired ratio is compared.
     */
    static Target ratioAtLeast(double min, Spread s) {
        if (!s.hasInterval()) {
            return ratioAtLeast(min, s.ratio());
        }
        return new Target(text(min), s.high() >= min, s.low() >= min || s.high() < min);
    }

    static Target ratioAtLeast(double min, double ratio) {
        return new Target(text(min), ratio >= min, true);
    }

    static Target below(double limit, String unit, double value) {
        return new Target(String.format(Locale.ROOT, "< %s %s", Table.number(limit), unit), value < limit, true);
    }

    private static String text(double min) {
        return String.format(Locale.ROOT, "ratio >= %.2f", min);
    }

    /** "met", "MISSED", or "met (interval spans it)" when the run could not decide. */
    String verdict() {
        return !met ? "MISSED" : resolved ? "met" : "met (interval spans it)";
    }
}
