package dev.jvfio.bench;

import java.util.function.Function;

/**
 * How the groups make the rows of the table: the ratios and paired spread of a subject against its
 * floor, and the target's verdict with what the row saw of the machine.
 */
final class Rows {
    private Rows() {}

    /** A ratio target of {@code min} for {@link #row}, or none when {@code min} is NaN. */
    static Function<Row, Target> ratioTarget(double min) {
        return Double.isNaN(min) ? r -> null : r -> Target.ratioAtLeast(min, r.spread());
    }

    /**
     * A row of round trips per second with latencies, the subject's and floor's sides measured in
     * paired rounds (alternating, or {@link Interleaved}): the shape of every request-reply row.
     */
    static Row roundTrips(
            String id,
            String group,
            String label,
            Side subject,
            Side floor,
            String floorName,
            Rounds rounds,
            Function<Row, Target> target) {
        return row(
                id,
                group,
                label,
                "rt/s",
                true,
                Stat.of(subject.rates(), true),
                Stat.of(floor.rates(), true),
                floorName,
                Latency.of(subject.latencies()),
                Latency.of(floor.latencies()),
                rounds,
                target);
    }

    /**
     * A row of the table; {@code target} judges it (null for none), and an undecided verdict says
     * what the row saw of the machine ({@link Busy#context}).
     */
    static Row row(
            String id,
            String group,
            String label,
            String unit,
            boolean higher,
            Stat subject,
            Stat floor,
            String floorName,
            Latency sl,
            Latency fl,
            Rounds rounds,
            Function<Row, Target> target) {
        double ratio = Row.ratio(subject.median(), floor.median(), higher);
        double ratioBest = Row.ratio(subject.best(), floor.best(), higher);
        Spread spread = Spread.paired(subject.rounds(), floor.rounds(), higher);
        Row r = new Row(
                id, group, label, unit, higher, subject, floor, floorName, ratio, ratioBest, sl, fl, null, spread,
                rounds);
        Target t = target.apply(r);
        if (t != null) {
            t = t.because(Busy.context(floor.rounds(), rounds.steal())).because(projection(t, rounds));
        }
        return new Row(
                id, group, label, unit, higher, subject, floor, floorName, ratio, ratioBest, sl, fl, t, spread, rounds);
    }

    /** For an undecided row: about how many rounds would decide it, when the projection says. */
    static String projection(Target t, Rounds rounds) {
        int need = t.roundsToDecide();
        if (t.resolved() || need <= rounds.used() || need >= Interval.FAR) {
            return "";
        }
        return "about " + need + " rounds would decide it";
    }
}
