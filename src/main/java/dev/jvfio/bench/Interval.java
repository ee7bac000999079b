package dev.jvfio.bench;

import java.util.List;
import java.util.function.DoubleFunction;

/**
 * An estimate and its 95% confidence interval, computed on logarithms (ratios, rates, times and
 * memory are all positive and spread multiplicatively): the geometric mean of {@code n} values and
 * a Student-t interval around it. A verdict is decided when the whole interval lies on one side of
 * the target; {@link #roundsToExclude} says how many values the same spread would need for that.
 *
 * @param estimate geometric mean of the values
 * @param low      lower bound (NaN without an interval: fewer than two values)
 * @param high     upper bound (NaN without an interval)
 * @param n        how many values it is computed from
 */
public record Interval(double estimate, double low, double high, int n) {
    /** Projections beyond this many values are "never" (the estimate sits on the bound). */
    static final int FAR = 100_000;

    /** A value read, not timed (resident memory): its own interval. */
    static Interval exact(double value) {
        return new Interval(value, value, value, 1);
    }

    /**
     * Readings of a quantity that is read, not timed (resident memory of successive launches): their
     * interval, and a single reading as its own ({@link #exact}).
     */
    static Interval ofReadings(List<Double> values) {
        return values.size() == 1 ? exact(values.getFirst()) : of(values);
    }

    /** The geometric mean of positive finite {@code values} and its 95% interval; others are left out. */
    static Interval of(List<Double> values) {
        double[] logs = new double[values.size()];
        int k = 0;
        for (double v : values) {
            if (v > 0 && Double.isFinite(v)) {
                logs[k++] = Math.log(v);
            }
        }
        return ofLogs(logs, k);
    }

    /** The interval of the first {@code k} natural logarithms in {@code logs}. */
    static Interval ofLogs(double[] logs, int k) {
        if (k == 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double mean = 0;
        for (int i = 0; i < k; i++) {
            mean += logs[i];
        }
        mean /= k;
        if (k == 1) {
            return new Interval(Math.exp(mean), Double.NaN, Double.NaN, 1);
        }
        double ss = 0;
        for (int i = 0; i < k; i++) {
            ss += (logs[i] - mean) * (logs[i] - mean);
        }
        double half = Spread.t975(k - 1) * Math.sqrt(ss / (k - 1) / k);
        return new Interval(Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half), k);
    }

    /** Whether there is an interval (two values or more, or an exact reading). */
    boolean known() {
        return Double.isFinite(low) && Double.isFinite(high);
    }

    /**
     * How many values in all an interval of the same centre and spread would need to lie wholly on
     * one side of {@code bound}: {@code n} when it already does, 2 when there is no interval yet,
     * {@link Integer#MAX_VALUE} when the estimate is the bound or the answer is beyond {@link #FAR}.
     * It assumes more values keep the centre and the spread; it is a projection, not a promise.
     */
    int roundsToExclude(double bound) {
        if (!known()) {
            return Math.max(2, n + 1);
        }
        if (low > bound || high < bound) {
            return n;
        }
        double centre = (Math.log(low) + Math.log(high)) / 2;
        double half = (Math.log(high) - Math.log(low)) / 2;
        double distance = Math.abs(centre - Math.log(bound));
        if (distance == 0 || n < 2) {
            return Integer.MAX_VALUE;
        }
        double sd = half * Math.sqrt(n) / Spread.t975(n - 1);
        for (int m = n + 1; m <= FAR; m++) {
            if (Spread.t975(m - 1) * sd / Math.sqrt(m) < distance) {
                return m;
            }
        }
        return Integer.MAX_VALUE;
    }

    /** "0.95 [0.91-0.99]" with {@code format} for each number, or the estimate alone without an interval. */
    String describe(DoubleFunction<String> format) {
        if (!Double.isFinite(estimate)) {
            return "-";
        }
        return known() && low != high
                ? format.apply(estimate) + " [" + format.apply(low) + "-" + format.apply(high) + "]"
                : format.apply(estimate);
    }
}
