package dev.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.assertj.core.data.Offset;
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
    }

    @Test
    void pairedRatioIsTheGeometricMeanOfRoundByRoundRatios() {
        // rates: subject/floor per round = 0.5, 2.0 -> geometric mean 1.0 whatever the rounds' level
        Spread s = Spread.paired(List.of(50.0, 4000.0), List.of(100.0, 2000.0), true);
        assertThat(s.ratio()).isCloseTo(1.0, Offset.offset(1e-12));
        assertThat(s.pairs()).isEqualTo(2);
        // logs are -ln2, +ln2: sd ln2*sqrt2, se ln2, half-width t(1) * ln2
        assertThat(s.high()).isCloseTo(Math.exp(12.706 * Math.log(2)), Offset.offset(1e-6));
        assertThat(s.low() * s.high()).isCloseTo(1.0, Offset.offset(1e-9));
        // times: floor/subject
        assertThat(Spread.paired(List.of(200.0), List.of(100.0), false).ratio()).isEqualTo(0.5);
    }

    @Test
    void identicalPairsHaveANullWidthIntervalAndOnePairHasNone() {
        Spread s = Spread.paired(List.of(90.0, 45.0, 9.0), List.of(100.0, 50.0, 10.0), true);
        assertThat(s.ratio()).isCloseTo(0.9, Offset.offset(1e-12));
        assertThat(s.low()).isCloseTo(0.9, Offset.offset(1e-12));
        assertThat(s.high()).isCloseTo(0.9, Offset.offset(1e-12));
        assertThat(s.describe()).isEqualTo("0.90 [0.90-0.90]");
        Spread one = Spread.paired(List.of(3.0), List.of(4.0), true);
        assertThat(one.hasInterval()).isFalse();
        assertThat(one.describe()).isEqualTo("0.75");
        assertThat(Spread.paired(List.of(0.0, Double.NaN), List.of(1.0, 1.0), true)
                        .pairs())
                .isZero();
    }

    @Test
    void studentQuantilesApproachTheNormal() {
        assertThat(Spread.t975(1)).isEqualTo(12.706);
        assertThat(Spread.t975(3)).isEqualTo(3.182);
        assertThat(Spread.t975(30)).isEqualTo(2.042);
        assertThat(Spread.t975(60)).isCloseTo(2.000, Offset.offset(0.003));
        assertThat(Spread.t975(1000)).isCloseTo(1.962, Offset.offset(0.003));
    }

    @Test
    void numbersHaveThreeSignificantDigits() {
        assertThat(Table.number(18234)).isEqualTo("18.2k");
        assertThat(Table.number(123456)).isEqualTo("123k");
        assertThat(Table.number(587.4)).isEqualTo("587");
        assertThat(Table.number(21.73)).isEqualTo("21.7");
        assertThat(Table.number(0.934)).isEqualTo("0.93");
        assertThat(Table.number(Double.NaN)).isEqualTo("-");
        assertThat(Text.size(1L << 20)).isEqualTo("1MiB");
        assertThat(Text.size(4096)).isEqualTo("4KiB");
        assertThat(Text.size(100)).isEqualTo("100B");
    }
}
