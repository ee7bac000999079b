package dev.jvfio.bench;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.jvfio.device.VfioException;
import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * Runs a row's rounds, then keeps adding rounds while its verdict is undecided and its time budget
 * lasts, so a run spends its time on the rows it can still decide. Rounds are added two at a time
 * (one floor-first, one subject-first), so an advantage of going first still cancels. A row stops
 * early when the judge says more rounds cannot decide it, or when, from {@link #PROJECT_FROM}
 * rounds on, even twice the rounds the budget allows would not decide it by the projection of
 * {@link Interval#roundsToExclude}: its estimate sits close to the target, and more rounds there
 * only narrow an interval that keeps spanning it. Fewer rounds say too little about their spread
 * to give a row up.
 */
final class AdaptiveRounds {
    /** A row stops adding rounds when the projection asks for more than this many times what it can afford. */
    static final int HOPELESS_FACTOR = 2;
    /** Rounds a row must have before its projection may stop it. */
    static final int PROJECT_FROM = 4;

    private AdaptiveRounds() {}

    /** Runs round {@code index} of a row (both sides; the floor first when the index is even). */
    @FunctionalInterface
    interface Source {
        void round(int index) throws IOException, VfioException;
    }

    /**
     * What the rounds so far decide: 0 when the verdict is decided (or there is no target), else
     * the rounds in all the projection needs, or a negative number when more would not decide it.
     */
    @FunctionalInterface
    interface Judge {
        int roundsToDecide();
    }

    /** Why a row stopped adding rounds. */
    enum Stop {
        /** The row has no target: its rounds are fixed. */
        FIXED("fixed"),
        /** Decided (met or MISSED). */
        DECIDED("decided"),
        /** The budget could not pay for two more rounds. */
        BUDGET("budget spent"),
        /** More rounds would not decide it within reach (or at all). */
        HOPELESS("more rounds would not decide it");

        private final String words;

        Stop(String words) {
            this.words = words;
        }

        @JsonValue
        String words() {
            return words;
        }
    }

    /**
     * Runs {@code initial} rounds, then pairs of rounds while {@code judge} says undecided and the
     * next pair fits in {@code budgetNanos} (priced at the mean round so far).
     *
     * @param clock nanoseconds, e.g. {@code System::nanoTime}
     */
    static Rounds run(int initial, long budgetNanos, Source source, Judge judge, LongSupplier clock)
            throws IOException, VfioException {
        long start = clock.getAsLong();
        for (int i = 0; i < initial; i++) {
            source.round(i);
        }
        long afterInitial = clock.getAsLong();
        int n = initial;
        Stop stop;
        while (true) {
            int need = judge.roundsToDecide();
            if (need == 0) {
                stop = Stop.DECIDED;
                break;
            }
            long spent = clock.getAsLong() - afterInitial;
            long perRound = Math.max(1, (clock.getAsLong() - start) / Math.max(1, n));
            long affordable = (budgetNanos - spent) / perRound / 2 * 2;
            if (affordable < 2) {
                stop = Stop.BUDGET;
                break;
            }
            if (need < 0 || (n >= PROJECT_FROM && need > (long) HOPELESS_FACTOR * (n + affordable))) {
                stop = Stop.HOPELESS;
                break;
            }
            source.round(n);
            source.round(n + 1);
            n += 2;
        }
        return new Rounds(n, n - initial, n == initial ? 0 : (clock.getAsLong() - afterInitial) / 1e9, stop);
    }

    /** As {@link #run} for a row without a target: its rounds, nothing added. */
    static Rounds fixed(int initial, Source source) throws IOException, VfioException {
        for (int i = 0; i < initial; i++) {
            source.round(i);
        }
        return Rounds.fixed(initial);
    }
}
