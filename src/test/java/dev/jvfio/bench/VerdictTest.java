package dev.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The verdict rules on synthetic intervals (no timings): met only when the whole interval is on the
 * right side of the target, MISSED only when it is wholly on the wrong side, undecided otherwise.
 */
class VerdictTest {
    private static Interval interval(double estimate, double low, double high) {
        return new Interval(estimate, low, high, 4);
    }

    @Test
    @DisplayName("ratio >= target: met when the whole interval is at or above it, the low end on it included")
    void ratioMetAtAndAboveTheBoundary() {
        Target onIt = Target.ratioAtLeast(0.90, interval(0.95, 0.90, 1.02));
        assertThat(onIt.verdict()).isEqualTo(Verdict.MET);
        assertThat(onIt.met()).isTrue();
        assertThat(onIt.resolved()).isTrue();
        assertThat(onIt.undecided()).isNull();
        assertThat(onIt.roundsToDecide()).isZero();
        assertThat(onIt.describe()).isEqualTo("met");
        assertThat(Target.ratioAtLeast(0.90, interval(0.97, 0.92, 1.05)).verdict())
                .isEqualTo(Verdict.MET);
        assertThat(Target.ratioAtLeast(0.90, interval(0.95, 0.8999, 1.02)).verdict())
                .isEqualTo(Verdict.UNDECIDED);
    }

    @Test
    @DisplayName("ratio >= target: MISSED only when the whole interval is below it; reaching it is undecided")
    void ratioMissedOnlyWhollyBelow() {
        Target below = Target.ratioAtLeast(0.90, interval(0.85, 0.80, 0.8999));
        assertThat(below.verdict()).isEqualTo(Verdict.MISSED);
        assertThat(below.met()).isFalse();
        assertThat(below.resolved()).isTrue();
        assertThat(below.describe()).isEqualTo("MISSED");
        Target touching = Target.ratioAtLeast(0.90, interval(0.85, 0.80, 0.90));
        assertThat(touching.verdict()).isEqualTo(Verdict.UNDECIDED);
        assertThat(touching.met()).isFalse();
        assertThat(touching.resolved()).isFalse();
    }

    @Test
    @DisplayName("ratio >= target: an interval that spans the target is undecided, never a form of met")
    void ratioSpanningIsUndecided() {
        Target wide = Target.ratioAtLeast(0.90, interval(0.58, 0.09, 3.86));
        assertThat(wide.verdict()).isEqualTo(Verdict.UNDECIDED);
        assertThat(wide.met()).isFalse();
        assertThat(wide.describe()).isEqualTo("undecided (interval spans it)");
        assertThat(wide.describe()).doesNotContain("met");
        assertThat(wide.roundsToDecide()).isGreaterThan(4);
        assertThat(wide.text()).isEqualTo("ratio >= 0.90");
    }

    @Test
    @DisplayName("ratio >= target: one round has no interval and decides nothing; the Spread form agrees")
    void ratioWithoutInterval() {
        Target one = Target.ratioAtLeast(0.90, new Spread(1.5, Double.NaN, Double.NaN, 0.95, 1));
        assertThat(one.verdict()).isEqualTo(Verdict.UNDECIDED);
        assertThat(one.undecided()).isEqualTo(Target.NO_INTERVAL);
        assertThat(one.roundsToDecide()).isEqualTo(2);
        Target none = Target.ratioAtLeast(0.90, new Spread(Double.NaN, Double.NaN, Double.NaN, 0.95, 0));
        assertThat(none.verdict()).isEqualTo(Verdict.UNDECIDED);
        assertThat(Target.ratioAtLeast(0.90, new Spread(0.97, 0.92, 1.02, 0.95, 4))
                        .verdict())
                .isEqualTo(Verdict.MET);
        assertThat(Target.ratioAtLeast(0.90, new Spread(0.85, 0.81, 0.89, 0.95, 4))
                        .verdict())
                .isEqualTo(Verdict.MISSED);
    }

    @Test
    @DisplayName("memory <= limit: met at or below, MISSED wholly above, undecided across; one reading is exact")
    void memoryLimit() {
        assertThat(Target.atMost(128, "MiB", Interval.exact(101)).verdict()).isEqualTo(Verdict.MET);
        assertThat(Target.atMost(128, "MiB", Interval.exact(128)).verdict()).isEqualTo(Verdict.MET);
        assertThat(Target.atMost(128, "MiB", Interval.exact(128.5)).verdict()).isEqualTo(Verdict.MISSED);
        Target across = Target.atMost(128, "MiB", interval(125, 120, 130));
        assertThat(across.verdict()).isEqualTo(Verdict.UNDECIDED);
        assertThat(across.describe()).isEqualTo("undecided (125 [120-130] MiB, interval spans it)");
        assertThat(across.met()).isFalse();
        assertThat(Target.atMost(128, "MiB", interval(100, 90, 128)).verdict()).isEqualTo(Verdict.MET);
        assertThat(Target.atMost(128, "MiB", interval(140, 128.01, 150)).verdict())
                .isEqualTo(Verdict.MISSED);
        assertThat(Target.atMost(128, "MiB", Interval.exact(101)).text()).isEqualTo("<= 128 MiB");
        assertThat(Target.atMost(128, "MiB", Interval.ofReadings(List.of(101.0)))
                        .verdict())
                .isEqualTo(Verdict.MET);
        assertThat(Target.atMost(128, "MiB", Interval.ofReadings(List.of(90.0, 96.0, 95.0)))
                        .verdict())
                .isEqualTo(Verdict.MET);
    }

    @Test
    @DisplayName("time <= limit: met only when the whole interval of the launches is at or below it")
    void timeMet() {
        Target quick = Target.timeAtMost(1000, "ms", interval(850, 700, 1000), interval(600, 500, 700), 1.3, 1.0);
        assertThat(quick.verdict()).isEqualTo(Verdict.MET);
        Target spans = Target.timeAtMost(1000, "ms", interval(950, 800, 1100), interval(600, 500, 700), 1.3, 1.0);
        assertThat(spans.verdict()).isEqualTo(Verdict.UNDECIDED);
        assertThat(spans.undecided()).isEqualTo("950 [800-1100] ms, " + Target.SPANS);
        assertThat(spans.roundsToDecide()).isGreaterThan(4);
    }

    @Test
    @DisplayName("time <= limit: wholly over it on a busy machine is undecided, not met and not MISSED")
    void timeOverOnABusyMachine() {
        // load 2 on 2 CPUs: over the limit, but not without the main thread's waits for a CPU
        Target waited = Target.timeAtMost(1000, "ms", interval(1430, 1300, 1550), interval(710, 650, 780), 0.7, 1.0);
        assertThat(waited.verdict()).isEqualTo(Verdict.UNDECIDED);
        assertThat(waited.met()).isFalse();
        assertThat(waited.resolved()).isFalse();
        assertThat(waited.describe()).isEqualTo("undecided (710 [650-780] ms without waiting for a CPU)");
        assertThat(waited.roundsToDecide()).isEqualTo(-1); // more launches on this machine would not decide it
        // over even without the waits, but the floor JVM got less than a CPU while starting: the machine
        Target busy = Target.timeAtMost(1000, "ms", interval(2054, 1900, 2200), interval(1051, 1010, 1100), 0.66, 1.0);
        assertThat(busy.describe()).isEqualTo("undecided (machine busy: the floor got 0.66 CPUs while starting)");
        assertThat(busy.met()).isFalse();
        // without the waits the interval spans the limit: more launches may decide it
        Target maybe = Target.timeAtMost(1000, "ms", interval(1400, 1200, 1600), interval(1000, 900, 1100), 1.3, 1.0);
        assertThat(maybe.verdict()).isEqualTo(Verdict.UNDECIDED);
        assertThat(maybe.undecided()).endsWith(Target.SPANS);
        assertThat(maybe.roundsToDecide()).isPositive();
    }

    @Test
    @DisplayName("time <= limit: MISSED when over it even without CPU waits on a machine that gave the floor a CPU")
    void timeMissed() {
        Target slow = Target.timeAtMost(1000, "ms", interval(1500, 1400, 1600), interval(1100, 1050, 1150), 1.3, 1.0);
        assertThat(slow.verdict()).isEqualTo(Verdict.MISSED);
        assertThat(slow.resolved()).isTrue();
        Target noSchedstat = Target.timeAtMost(1000, "ms", interval(1500, 1400, 1600), null, 1.3, 1.0);
        assertThat(noSchedstat.verdict()).isEqualTo(Verdict.MISSED);
        Target nothingKnown = Target.timeAtMost(1000, "ms", interval(1500, 1400, 1600), null, Double.NaN, 1.0);
        assertThat(nothingKnown.verdict()).isEqualTo(Verdict.MISSED);
        Target boundary = Target.timeAtMost(1000, "ms", interval(1050, 1000.01, 1100), null, 1.3, 1.0);
        assertThat(boundary.verdict()).isEqualTo(Verdict.MISSED);
    }

    @Test
    @DisplayName("seeded random intervals: each verdict agrees with where the interval lies, both directions")
    void verdictsAgreeWithTheIntervalEverywhere() {
        Random random = new Random(20261205L);
        for (int i = 0; i < 10_000; i++) {
            double bound = 0.5 + random.nextDouble();
            double a = bound * Math.exp(random.nextGaussian() * 0.2);
            double b = bound * Math.exp(random.nextGaussian() * 0.2);
            if (random.nextInt(20) == 0) {
                a = bound; // boundaries on purpose
            }
            Interval iv = interval(Math.sqrt(a * b), Math.min(a, b), Math.max(a, b));
            Target atLeast = Target.ratioAtLeast(bound, iv);
            switch (atLeast.verdict()) {
                case MET -> assertThat(iv.low()).isGreaterThanOrEqualTo(bound);
                case MISSED -> assertThat(iv.high()).isLessThan(bound);
                case UNDECIDED ->
                    assertThat(iv.low() < bound && iv.high() >= bound).isTrue();
            }
            Target atMost = Target.atMost(bound, "ms", iv);
            switch (atMost.verdict()) {
                case MET -> assertThat(iv.high()).isLessThanOrEqualTo(bound);
                case MISSED -> assertThat(iv.low()).isGreaterThan(bound);
                case UNDECIDED ->
                    assertThat(iv.low() <= bound && iv.high() > bound).isTrue();
            }
            assertThat(atLeast.met()).isEqualTo(atLeast.verdict() == Verdict.MET);
            assertThat(atMost.resolved()).isEqualTo(atMost.verdict() != Verdict.UNDECIDED);
        }
    }

    @Test
    @DisplayName("the machine's context goes into an undecided reason only")
    void contextOnlyForUndecided() {
        Target spans = Target.ratioAtLeast(0.90, interval(0.9, 0.8, 1.0)).because("steal 7%");
        assertThat(spans.describe()).isEqualTo("undecided (interval spans it; steal 7%)");
        Target met = Target.ratioAtLeast(0.90, interval(1.0, 0.95, 1.05));
        assertThat(met.because("steal 7%")).isSameAs(met);
        assertThat(spans.because("")).isSameAs(spans);
    }

    @Test
    @DisplayName("an undecided row that stopped short says about how many rounds would decide it")
    void projectionInTheReason() {
        Target spans = Target.ratioAtLeast(0.90, Interval.of(List.of(0.85, 1.05, 0.88, 1.02)));
        String said = Rows.projection(spans, new Rounds(4, 0, 0, AdaptiveRounds.Stop.BUDGET));
        assertThat(said).isEqualTo("about " + spans.roundsToDecide() + " rounds would decide it");
        Target onIt = Target.ratioAtLeast(0.90, new Interval(0.9, 0.8, 0.9 * 0.9 / 0.8, 4));
        assertThat(Rows.projection(onIt, new Rounds(4, 0, 0, AdaptiveRounds.Stop.HOPELESS)))
                .isEmpty();
        Target met = Target.ratioAtLeast(0.90, interval(1.0, 0.95, 1.05));
        assertThat(Rows.projection(met, Rounds.fixed(4))).isEmpty();
    }

    @Test
    @DisplayName("JSON keeps text/met/resolved/undecided and adds the verdict word and the interval judged")
    void json() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode undecided = json.valueToTree(Target.ratioAtLeast(0.90, interval(0.58, 0.09, 3.86)));
        assertThat(undecided.get("text").asText()).isEqualTo("ratio >= 0.90");
        assertThat(undecided.get("met").asBoolean()).isFalse();
        assertThat(undecided.get("resolved").asBoolean()).isFalse();
        assertThat(undecided.get("undecided").asText()).isEqualTo("interval spans it");
        assertThat(undecided.get("verdict").asText()).isEqualTo("undecided");
        assertThat(undecided.get("interval").get("low").asDouble()).isEqualTo(0.09);
        JsonNode missed = json.valueToTree(Target.atMost(128, "MiB", Interval.exact(130)));
        assertThat(missed.get("verdict").asText()).isEqualTo("MISSED");
        assertThat(missed.get("met").asBoolean()).isFalse();
        assertThat(missed.get("resolved").asBoolean()).isTrue();
        assertThat(missed.get("undecided").isNull()).isTrue();
        JsonNode met = json.valueToTree(Target.atMost(128, "MiB", Interval.exact(100)));
        assertThat(met.get("verdict").asText()).isEqualTo("met");
        assertThat(met.get("met").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("the projection: how many values the same spread needs to leave the bound, and never on it")
    void roundsToExclude() {
        Interval iv = Interval.of(List.of(0.85, 1.05, 0.88, 1.02)); // spans 0.90
        int need = iv.roundsToExclude(0.90);
        assertThat(need).isGreaterThan(4).isLessThan(Interval.FAR);
        assertThat(interval(1.0, 0.95, 1.05).roundsToExclude(0.90)).isEqualTo(4); // already excludes it
        Interval centred = new Interval(0.9, 0.8, 0.9 * 0.9 / 0.8, 4); // centre exactly on the bound
        assertThat(centred.roundsToExclude(0.9)).isEqualTo(Integer.MAX_VALUE);
        assertThat(new Interval(1.0, Double.NaN, Double.NaN, 1).roundsToExclude(0.9))
                .isEqualTo(2);
        // a tighter spread needs fewer values
        Interval tighter = Interval.of(List.of(0.93, 0.99, 0.94, 0.98));
        assertThat(tighter.roundsToExclude(0.90)).isLessThanOrEqualTo(need);
    }
}
