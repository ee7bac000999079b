package dev.jvfio.bench;

import java.util.Locale;

/**
 * A goal for a row and what this run showed about it (see {@link Verdict}): {@code met} only when
 * the whole 95% interval is on the right side of the goal (at or above a ratio, at or below a time
 * or memory limit), {@code MISSED} only when the whole interval is on the wrong side, otherwise
 * {@code undecided} with the reason. The JSON keeps {@code met} and {@code resolved} beside the
 * verdict: {@code met} is true only for "met", {@code resolved} false only for "undecided".
 *
 * @param text           what is aimed at, e.g. "ratio >= 0.90" or "<= 128 MiB"
 * @param met            whether the run showed the goal met
 * @param resolved       whether the run decided (met or MISSED)
 * @param undecided      why the run could not decide; null when it did
 * @param verdict        met, MISSED or undecided
 * @param limit          the goal's bound, in the row's ratio (ratio goals) or unit (limits)
 * @param interval       the estimate and 95% interval the verdict was judged on
 * @param roundsToDecide 0 when decided; else about how many rounds (launches) in all the same
 *                       spread would need to decide, or -1 when more of them would not decide it
 */
public record Target(
        String text,
        boolean met,
        boolean resolved,
        String undecided,
        Verdict verdict,
        double limit,
        Interval interval,
        int roundsToDecide) {
    static final String SPANS = "interval spans it";
    static final String NO_INTERVAL = "one round: no interval";

    private static Target of(String text, double limit, Interval interval, Verdict verdict, String why, int toDecide) {
        int rounds = toDecide == Integer.MAX_VALUE ? -1 : toDecide; // a projection of "never"
        return new Target(
                text,
                verdict == Verdict.MET,
                verdict != Verdict.UNDECIDED,
                verdict == Verdict.UNDECIDED ? why : null,
                verdict,
                limit,
                interval,
                verdict == Verdict.UNDECIDED ? rounds : 0);
    }

    /** The paired ratio at least {@code min}, judged on its interval. */
    static Target ratioAtLeast(double min, Spread s) {
        return ratioAtLeast(min, new Interval(s.ratio(), s.low(), s.high(), s.pairs()));
    }

    static Target ratioAtLeast(double min, Interval i) {
        String text = String.format(Locale.ROOT, "ratio >= %.2f", min);
        if (!i.known()) {
            return of(text, min, i, Verdict.UNDECIDED, i.n() == 0 ? "no rounds" : NO_INTERVAL, i.roundsToExclude(min));
        }
        if (i.low() >= min) {
            return of(text, min, i, Verdict.MET, null, 0);
        }
        if (i.high() < min) {
            return of(text, min, i, Verdict.MISSED, null, 0);
        }
        return of(text, min, i, Verdict.UNDECIDED, SPANS, i.roundsToExclude(min));
    }

    /** A memory (or any) figure at most {@code limit}, judged on its interval. */
    static Target atMost(double limit, String unit, Interval i) {
        String text = limitText(limit, unit);
        if (!i.known()) {
            return of(
                    text,
                    limit,
                    i,
                    Verdict.UNDECIDED,
                    i.n() == 0 ? "no readings" : NO_INTERVAL,
                    i.roundsToExclude(limit));
        }
        if (i.high() <= limit) {
            return of(text, limit, i, Verdict.MET, null, 0);
        }
        if (i.low() > limit) {
            return of(text, limit, i, Verdict.MISSED, null, 0);
        }
        // the table's paired column is the ratio to the floor: name the interval judged here
        return of(
                text,
                limit,
                i,
                Verdict.UNDECIDED,
                i.describe(Table::number) + " " + unit + ", " + SPANS,
                i.roundsToExclude(limit));
    }

    /**
     * A time limit judged on what the machine let the run show: met when the whole interval of the
     * times is at or below {@code limit}, undecided while it spans the limit. Wholly over it,
     * MISSED only when the run shows the subject at fault: even the times without its main
     * thread's waits for a CPU ({@code unqueued}, null when unknown) are wholly over the limit, and
     * the floor (a bare JVM launched the same way, same minute) had at least {@code busyBelow} CPUs
     * on average while it started. Otherwise undecided, saying what the machine took: at load 2
     * on 2 CPUs a launch waited longer for a CPU than it ran.
     *
     * @param floorCpus the floor's CPU time until ready over its launch-to-ready time (median);
     *                  NaN if unknown
     */
    static Target timeAtMost(
            double limit, String unit, Interval times, Interval unqueued, double floorCpus, double busyBelow) {
        Target plain = atMost(limit, unit, times);
        if (plain.verdict() != Verdict.MISSED) {
            return plain;
        }
        String text = plain.text();
        if (unqueued != null && unqueued.known() && unqueued.low() <= limit) {
            String without = unqueued.describe(Table::number) + " " + unit + " without waiting for a CPU";
            return unqueued.high() <= limit
                    ? of(text, limit, times, Verdict.UNDECIDED, without, -1)
                    : of(
                            text,
                            limit,
                            times,
                            Verdict.UNDECIDED,
                            without + ", " + SPANS,
                            unqueued.roundsToExclude(limit));
        }
        if (floorCpus < busyBelow) {
            return of(
                    text,
                    limit,
                    times,
                    Verdict.UNDECIDED,
                    String.format(Locale.ROOT, "machine busy: the floor got %.2f CPUs while starting", floorCpus),
                    -1);
        }
        return plain;
    }

    private static String limitText(double limit, String unit) {
        return "<= " + Table.number(limit) + " " + unit;
    }

    /** The same target with more about the machine in an undecided reason (e.g. "steal 6%"). */
    Target because(String context) {
        if (resolved || context == null || context.isEmpty()) {
            return this;
        }
        return new Target(text, met, resolved, undecided + "; " + context, verdict, limit, interval, roundsToDecide);
    }

    /** "met", "MISSED", or "undecided (REASON)". */
    String describe() {
        return verdict == Verdict.UNDECIDED ? verdict.word() + " (" + undecided + ")" : verdict.word();
    }
}
