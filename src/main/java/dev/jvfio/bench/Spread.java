package dev.jvfio.bench;

import java.util.List;

/**
 * The paired ratio of a row and its spread. Subject and floor alternate round by round,
 * so round i of one side ran next to round i of the other, under the same machine state; the
 * ratio of a pair cancels what both rounds shared (load, a sleeping CPU, the frequency). The row's
 * ratio is the geometric mean of the pairs' ratios, and its spread a Student-t confidence interval
 * on their logarithms: {@code [low, high]} holds the true ratio with the given probability if the
 * pairs are independent draws. Rounds alternate floor-first and subject-first, so an effect of
 * going first cancels over an even number of pairs (it widens the interval instead of biasing it).
 *
 * @param ratio geometric mean of the per-pair ratios (1.0 = as good as the floor)
 * @param low   lower bound of the interval (NaN with fewer than two pairs)
 * @param high  upper bound of the interval (NaN with fewer than two pairs)
 * @param level confidence level of the interval, e.g. 0.95
 * @param pairs number of pairs it is computed from
 */
public record Spread(double ratio, double low, double high, double level, int pairs) {
    static final double LEVEL = 0.95;

    /** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom. */
    private static final double[] T975 = {
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
        2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042
    };

    /**
     * The paired ratio of {@code subject} and {@code floor} (same length, same order: round i of each
     * ran side by side): subject/floor when higher is better, floor/subject otherwise. Pairs with a
     * value that is not positive and finite are left out.
     */
    static Spread paired(List<Double> subject, List<Double> floor, boolean higherIsBetter) {
        int n = Math.min(subject.size(), floor.size());
        double[] logs = new double[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            double r = Row.ratio(subject.get(i), floor.get(i), higherIsBetter);
            if (r > 0 && Double.isFinite(r)) {
                logs[k++] = Math.log(r);
            }
        }
        Interval i = Interval.ofLogs(logs, k);
        return new Spread(i.estimate(), i.low(), i.high(), LEVEL, i.n());
    }

    /** The 97.5% quantile of Student's t with {@code df} degrees of freedom (normal beyond 30). */
    static double t975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom must be positive: " + df);
        }
        return df <= T975.length ? T975[df - 1] : 1.960 + 2.4 / df; // within 0.003 of the true quantile
    }

    /** Whether the interval is known (two pairs or more). */
    boolean hasInterval() {
        return Double.isFinite(low) && Double.isFinite(high);
    }

    /** Two decimals up to 10, then 3 significant digits: an interval of 2 rounds can reach [0.00-8927]. */
    private static String bound(double v) {
        return Math.abs(v) < 10 ? Table.ratio(v) : Table.number(v);
    }

    /** "0.95 [0.91-0.99]", or "0.95" without an interval. */
    String describe() {
        if (!Double.isFinite(ratio)) {
            return "-";
        }
        String r = Table.ratio(ratio);
        return hasInterval() ? r + " [" + bound(low) + "-" + bound(high) + "]" : r;
    }
}
