package dev.jvfio.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One side's figure over N rounds (or launches): the median, the best (highest rate, or lowest
 * time or memory) and every round's value, in the row's unit.
 */
public record Stat(double median, double best, List<Double> rounds) {
    public Stat {
        rounds = List.copyOf(rounds);
    }

    static Stat of(List<Double> values, boolean higherIsBetter) {
        if (values.isEmpty()) {
            return new Stat(Double.NaN, Double.NaN, values);
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        double best = higherIsBetter ? sorted.getLast() : sorted.getFirst();
        return new Stat(median, best, values);
    }

    /** Every value multiplied by factor (unit conversion). */
    Stat scaled(double factor) {
        return new Stat(
                median * factor,
                best * factor,
                rounds.stream().map(v -> v * factor).toList());
    }
}
