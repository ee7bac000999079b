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
 * @param undecided why the run could not decide (shown with the verdict when not resolved)
 */
public record Target(String text, boolean met, boolean resolved, String undecided) {
    private static final String SPANS = "interval spans it";

    Target(String text, boolean met, boolean resolved) {
        this(text, met, resolved, resolved ? null : SPANS);
    }

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

    /**
     * A time limit judged on what the machine let the run show (issue 17): met when the median
     * time is under {@code limit}. Over it, MISSED only when the run shows the subject at fault:
     * even the median time without its main thread's waits for a CPU ({@code unqueued}) reaches
     * the limit, and the floor (a bare JVM launched the same way, same minute) had at least
     * {@code busyBelow} CPUs on average while it started. Otherwise met, unresolved: the machine
     * kept it over the limit (at load 2 on 2 CPUs a launch waited longer for a CPU than it ran).
     *
     * @param floorCpus the floor's CPU time until ready over its launch-to-ready time (median);
     *                  NaN if unknown
     */
    static Target timeBelow(double limit, String unit, double median, double unqueued, double floorCpus,
                            double busyBelow) {
        String text = String.format(Locale.ROOT, "< %s %s", Table.number(limit), unit);
        if (median < limit) {
            return new Target(text, true, true);
        }
        if (unqueued >= 0 && unqueued < limit) {
            return new Target(text, true, false, String.format(Locale.ROOT, "%s %s without waiting for a CPU",
                    Table.number(unqueued), unit));
        }
        if (floorCpus < busyBelow) {
            return new Target(text, true, false, String.format(Locale.ROOT,
                    "machine busy: the floor got %.2f CPUs while starting", floorCpus));
        }
        return new Target(text, false, true);
    }

    private static String text(double min) {
        return String.format(Locale.ROOT, "ratio >= %.2f", min);
    }

    /** "met", "MISSED", or "met (interval spans it)" (or another reason) when the run could not decide. */
    String verdict() {
        return !met ? "MISSED" : resolved ? "met" : "met (" + (undecided == null ? SPANS : undecided) + ")";
    }
}
