package dev.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The arithmetic behind the table: medians, best-of-N, percentiles, ratios, number format. */
class StatisticsTest {
    @Test
    void medianAndBestOfRates() {
        Stat s = Stat.of(List.of(3.0, 1.0, 2.0, 10.0), true);
        assertThat(s.median()).isEqualTo(2.5);
        assertThat(s.best()).isEqualTo(10.0);
        assertThat(s.rounds()).containsExactly(3.0, 1.0, 2.0, 10.0);
    }

    @Test
    void bestOfTimesIsTheLowest() {
        Stat s = Stat.of(List.of(900.0, 700.0, 800.0), false);
        assertThat(s.median()).isEqualTo(800.0);
        assertThat(s.best()).isEqualTo(700.0);
        assertThat(s.scaled(0.5).median()).isEqualTo(400.0);
    }

    @Test
    void nearestRankQuantiles() {
        long[] sorted = new long[100];
        for (int i = 0; i < 100; i++) {
            sorted[i] = (i + 1) * 1000L;
        }
        assertThat(LatencyLog.quantile(sorted, 0.5)).isEqualTo(50_000);
        assertThat(LatencyLog.quantile(sorted, 0.99)).isEqualTo(99_000);
        assertThat(LatencyLog.quantile(new long[0], 0.5)).isNaN();
        Latency l = Latency.of(sorted);
        assertThat(l.p50Micros()).isEqualTo(50.0);
        assertThat(l.samples()).isEqualTo(100);
    }

    @Test
    void latencyLogKeepsWhatFitsAndCountsTheRest() {
        LatencyLog a = new LatencyLog(2);
        a.add(30);
        a.add(10);
        a.add(20);
        LatencyLog b = new LatencyLog(4);
        b.add(5);
        assertThat(a.dropped()).isEqualTo(1);
        assertThat(LatencyLog.merged(List.of(a, b))).containsExactly(5, 10, 30);
    }

    @Test
    void ratioIsOneWhenAsGoodAsTheFloorWhateverTheDirection() {
        assertThat(Row.ratio(90, 100, true)).isEqualTo(0.9);
        assertThat(Row.ratio(200, 100, false)).isEqualTo(0.5);
        assertThat(Target.ratioAtLeast(0.9, 0.95).met()).isTrue();
        assertThat(Target.ratioAtLeast(0.9, 0.85).met()).isFalse();
        assertThat(Target.below(128, "MiB", 130).met()).isFalse();
    }

    @Test
    void numbersHaveThreeSignificantDigits() {
        assertThat(Table.number(18234)).isEqualTo("18.2k");
        assertThat(Table.number(123456)).isEqualTo("123k");
        assertThat(Table.number(587.4)).isEqualTo("587");
        assertThat(Table.number(21.73)).isEqualTo("21.7");
        assertThat(Table.number(0.934)).isEqualTo("0.93");
        assertThat(Table.number(Double.NaN)).isEqualTo("-");
        assertThat(Bench.size(1L << 20)).isEqualTo("1MiB");
        assertThat(Bench.size(4096)).isEqualTo("4KiB");
        assertThat(Bench.size(100)).isEqualTo("100B");
    }
}
