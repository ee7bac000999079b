package dev.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The adaptive-rounds loop against a fake measurement source: each round yields the next paired
 * ratio of a fixed sequence and advances a fake clock by one second. No timings.
 */
class AdaptiveRoundsTest {
    private static final long SECOND = 1_000_000_000L;
    private static final double TARGET = 0.90;

    /** A row whose round i yields ratios[i % length]; the clock moves one second per round. */
    private static final class FakeRow {
        final double[] ratios;
        final List<Double> seen = new ArrayList<>();
        final List<Integer> indices = new ArrayList<>();
        long now;

        FakeRow(double... ratios) {
            this.ratios = ratios;
        }

        void round(int index) {
            indices.add(index);
            seen.add(ratios[index % ratios.length]);
            now += SECOND;
        }

        int roundsToDecide() {
            return Target.ratioAtLeast(TARGET, Interval.of(seen)).roundsToDecide();
        }

        Rounds run(int initial, long budgetSeconds) throws Exception {
            return AdaptiveRounds.run(initial, budgetSeconds * SECOND, this::round, this::roundsToDecide, () -> now);
        }
    }

    @Test
    @DisplayName("a row decided by its first rounds gets none added")
    void decidedRowsGetNoMoreRounds() throws Exception {
        FakeRow row = new FakeRow(1.00, 1.02, 0.99, 1.01);
        Rounds r = row.run(4, 6);
        assertThat(r.stop()).isEqualTo(AdaptiveRounds.Stop.DECIDED);
        assertThat(r.used()).isEqualTo(4);
        assertThat(r.added()).isZero();
        assertThat(r.describe()).isEqualTo("4");
        assertThat(row.indices).containsExactly(0, 1, 2, 3);
    }

    @Test
    @DisplayName("an undecided row gets pairs of rounds until its interval decides it")
    void undecidedRowsNarrowUntilDecided() throws Exception {
        FakeRow row = new FakeRow(0.88, 1.04, 0.92, 1.00); // 4 rounds: [0.85-1.07] spans 0.90
        assertThat(Target.ratioAtLeast(TARGET, Interval.of(List.of(0.88, 1.04, 0.92, 1.00)))
                        .verdict())
                .isEqualTo(Verdict.UNDECIDED);
        Rounds r = row.run(4, 30);
        assertThat(r.stop()).isEqualTo(AdaptiveRounds.Stop.DECIDED);
        assertThat(r.added()).isPositive().isEven();
        assertThat(r.used()).isEqualTo(4 + r.added());
        assertThat(Target.ratioAtLeast(TARGET, Interval.of(row.seen)).verdict()).isEqualTo(Verdict.MET);
        assertThat(r.extraSeconds()).isEqualTo(r.added()); // one fake second per round
        assertThat(row.indices).hasSize(r.used());
        for (int i = 0; i < row.indices.size(); i++) {
            assertThat(row.indices.get(i)).isEqualTo(i); // floor-first and subject-first keep alternating
        }
        assertThat(r.describe()).isEqualTo("4+" + r.added());
    }

    @Test
    @DisplayName("a row below its target is decided MISSED the same way")
    void missedRowsAreDecidedToo() throws Exception {
        FakeRow row = new FakeRow(0.78, 0.92, 0.80, 0.90); // spans 0.90 at 4, wholly below later
        Rounds r = row.run(4, 30);
        assertThat(r.stop()).isEqualTo(AdaptiveRounds.Stop.DECIDED);
        assertThat(r.added()).isPositive();
        assertThat(Target.ratioAtLeast(TARGET, Interval.of(row.seen)).verdict()).isEqualTo(Verdict.MISSED);
    }

    @Test
    @DisplayName("the budget bounds the rounds added: never more than it pays for")
    void theBudgetBoundsTheRounds() throws Exception {
        FakeRow row = new FakeRow(0.88, 1.04, 0.92, 1.00);
        Rounds r = row.run(4, 3); // one fake second per round: one pair fits, a second does not
        assertThat(r.stop()).isEqualTo(AdaptiveRounds.Stop.BUDGET);
        assertThat(r.added()).isEqualTo(2);
        assertThat(r.extraSeconds()).isLessThanOrEqualTo(3);
    }

    @Test
    @DisplayName("no budget: the row keeps its rounds and says the budget was spent")
    void zeroBudget() throws Exception {
        FakeRow row = new FakeRow(0.88, 1.04, 0.92, 1.00);
        Rounds r = row.run(4, 0);
        assertThat(r.stop()).isEqualTo(AdaptiveRounds.Stop.BUDGET);
        assertThat(r.used()).isEqualTo(4);
        assertThat(row.indices).hasSize(4);
    }

    @Test
    @DisplayName("a row whose estimate sits on the target stops at once: more rounds would not decide it")
    void hopelessRowsStopEarly() throws Exception {
        FakeRow row = new FakeRow(0.80, 0.90 * 0.90 / 0.80); // geometric mean 0.90 exactly, every two rounds
        Rounds r = row.run(4, 60);
        assertThat(r.stop()).isEqualTo(AdaptiveRounds.Stop.HOPELESS);
        assertThat(r.added()).isZero();
        AdaptiveRounds.Judge never = () -> -1; // e.g. the machine, not the subject, held the launch over its limit
        Rounds launches = AdaptiveRounds.run(3, 60 * SECOND, i -> {}, never, () -> 0L);
        assertThat(launches.stop()).isEqualTo(AdaptiveRounds.Stop.HOPELESS);
    }

    @Test
    @DisplayName("below four rounds the projection gives no row up: two rounds say too little about their spread")
    void fewRoundsAreNotGivenUp() throws Exception {
        FakeRow row = new FakeRow(0.70, 1.30, 0.95, 1.00); // two rounds: an interval wider than the machine
        assertThat(Interval.of(List.of(0.70, 1.30)).roundsToExclude(TARGET)).isGreaterThan(2 * (2 + 4));
        Rounds r = row.run(2, 4);
        assertThat(r.added()).isGreaterThanOrEqualTo(2);
    }

    @Test
    @DisplayName("a row without a target runs its rounds and no more")
    void fixedRows() throws Exception {
        FakeRow row = new FakeRow(0.5);
        Rounds r = AdaptiveRounds.fixed(3, row::round);
        assertThat(r).isEqualTo(Rounds.fixed(3));
        assertThat(row.indices).containsExactly(0, 1, 2);
        assertThat(r.stop()).isEqualTo(AdaptiveRounds.Stop.FIXED);
    }
}
