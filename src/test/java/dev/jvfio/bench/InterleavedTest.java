package dev.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Interleaved runs a floor's and a subject's lanes in one loop, one operation of each in turn, and
 * records one round in each side; no timing is asserted, only who ran what and what was recorded.
 */
class InterleavedTest {
    @Test
    void oneLaneTakesTurnsAndRecordsARoundInEachSide() throws Exception {
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        Side floor = new Side("f", List.of(() -> calls.add("f")), true);
        Side subject = new Side("s", List.of(() -> calls.add("s")), true);
        Interleaved pair = new Interleaved(floor, subject, () -> {});

        pair.round(20_000_000L);

        assertThat(floor.rates()).hasSize(1);
        assertThat(subject.rates()).hasSize(1);
        assertThat(floor.rates().getFirst()).isPositive();
        assertThat(subject.rates().getFirst()).isPositive();
        int pairs = calls.size() / 2;
        assertThat(calls).hasSize(2 * pairs).hasSizeGreaterThan(2);
        for (int i = 0; i < pairs; i++) { // f s, then s f, then f s ...
            List<String> expected = i % 2 == 0 ? List.of("f", "s") : List.of("s", "f");
            assertThat(calls.subList(2 * i, 2 * i + 2)).as("pair " + i).isEqualTo(expected);
        }
        assertThat(floor.latencies()).hasSize(pairs);
        assertThat(subject.latencies()).hasSize(pairs);
    }

    @Test
    void eachLanePairsItsOwnOperationsAndWarmUpRecordsNothing() throws Exception {
        AtomicInteger[] f = {new AtomicInteger(), new AtomicInteger()};
        AtomicInteger[] s = {new AtomicInteger(), new AtomicInteger()};
        AtomicInteger setups = new AtomicInteger();
        Side floor = new Side("f", List.of(f[0]::incrementAndGet, f[1]::incrementAndGet), true);
        Side subject = new Side("s", List.of(s[0]::incrementAndGet, s[1]::incrementAndGet), true);
        Interleaved pair = new Interleaved(floor, subject, setups::incrementAndGet);

        pair.combined().warmUp(5_000_000L);
        assertThat(floor.rates()).isEmpty();
        assertThat(floor.latencies()).isEmpty();
        assertThat(subject.latencies()).isEmpty();

        pair.round(20_000_000L);
        pair.round(20_000_000L);
        assertThat(floor.rates()).hasSize(2);
        assertThat(subject.rates()).hasSize(2);
        assertThat(setups.get()).isEqualTo(3); // the warm-up and each round
        for (int lane = 0; lane < 2; lane++) {
            // a lane runs its floor and its subject operation as often: both in every pair
            assertThat(f[lane].get()).as("lane " + lane).isEqualTo(s[lane].get());
            assertThat(f[lane].get()).isPositive();
        }
    }

    @Test
    void sidesOfDifferentWidthsAreRefused() {
        Side floor = new Side("f", List.of(() -> {}), false);
        Side subject = new Side("s", List.of(() -> {}, () -> {}), false);
        assertThatThrownBy(() -> new Interleaved(floor, subject, () -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 and 2");
    }

    @Test
    void cpuNoteDividesEachProcessCpuByTheSameCount() {
        Side floor = new Side("echo", List.of(() -> {}), false);
        Side subject = new Side("jvfio", List.of(() -> {}), false);
        assertThat(Interleaved.cpuNote("clients.x", subject, 3000, floor, 2000, 1_000_000))
                .isEqualTo("clients.x: CPU per round trip over the rounds (1000000 each): jvfio 3.00 us, echo 2.00 us"
                        + " (ratio 1.50)");
        assertThat(Interleaved.cpuNote("clients.x", subject, 3000, floor, 2000, 0))
                .isNull();
    }
}
