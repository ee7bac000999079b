package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Carving device memory into usemem and resmem under both carve rules (NV-2.4, NV-2.5). */
class MemoryLayoutTest {
    static final long MiB = 1L << 20;
    static final long GiB = 1L << 30;
    static final long BASE = 0x4000_0000_0000L;

    @Test
    @DisplayName("NV-2.4 96 GiB GH200: usemem 95 GiB in a 128 GiB BAR4, resmem the last 1 GiB in a 1 GiB BAR2")
    void nv_2_4_gh200_96g() {
        MemoryLayout l = MemoryLayout.carve(BASE, 96 * GiB, true, CarveRule.CURRENT);
        assertThat(l.usemem()).isEqualTo(new MemRegion(BASE, 0, 95 * GiB, 128 * GiB));
        assertThat(l.resmem()).contains(new MemRegion(BASE + 95 * GiB, 95 * GiB, GiB, GiB));
        assertThat(l.forRegion(4)).contains(l.usemem());
        assertThat(l.forRegion(2)).isEqualTo(l.resmem());
        assertThat(l.forRegion(0)).isEmpty();
    }

    @Test
    @DisplayName("NV-2.4 both carve rules: size-1GiB strictly between P and P+512MiB gives BAR 2P now, P in Linux 6.9")
    void nv_2_4_rules_differ_strictly_inside_the_window() {
        long p = 64 * GiB;
        long size = GiB + p + 256 * MiB;
        MemoryLayout now = MemoryLayout.carve(BASE, size, true, CarveRule.CURRENT);
        MemoryLayout old = MemoryLayout.carve(BASE, size, true, CarveRule.LINUX_6_9);
        assertThat(now.usemem().length()).isEqualTo(p);
        assertThat(old.usemem().length()).isEqualTo(p);
        assertThat(now.usemem().barSize()).isEqualTo(2 * p);
        assertThat(old.usemem().barSize()).isEqualTo(p);
        // resmem is the rest in both cases: 1.25 GiB in a 2 GiB BAR
        assertThat(now.resmem()).isEqualTo(old.resmem());
        assertThat(now.resmem().orElseThrow().length()).isEqualTo(GiB + 256 * MiB);
        assertThat(now.resmem().orElseThrow().barSize()).isEqualTo(2 * GiB);
    }

    @Test
    @DisplayName("NV-2.4 edge sizes: size-1GiB = P, P+1, P+512MiB-1, P+512MiB under both rules")
    void nv_2_4_edges() {
        long p = 4 * GiB;
        // exactly P: both rules agree, BAR = P
        assertBoth(GiB + p, p, p, p, p);
        // P + 1: current sees > P -> 2P; 6.9 rounds to P first -> P
        assertBoth(GiB + p + 1, p, 2 * p, p, p);
        // P + 512 MiB - 1: still inside the window
        assertBoth(GiB + p + 512 * MiB - 1, p, 2 * p, p, p);
        // P + 512 MiB: the window is over, both give length P+512M and BAR 2P
        assertBoth(GiB + p + 512 * MiB, p + 512 * MiB, 2 * p, p + 512 * MiB, 2 * p);
        // resmem length stays in [1 GiB, 1.5 GiB)
        MemoryLayout l = MemoryLayout.carve(BASE, GiB + p + 512 * MiB - 1, true, CarveRule.CURRENT);
        assertThat(l.resmem().orElseThrow().length()).isEqualTo(GiB + 512 * MiB - 1);
        assertThat(l.resmem().orElseThrow().barSize()).isEqualTo(2 * GiB);
    }

    private static void assertBoth(long size, long curLen, long curBar, long oldLen, long oldBar) {
        MemoryLayout now = MemoryLayout.carve(BASE, size, true, CarveRule.CURRENT);
        MemoryLayout old = MemoryLayout.carve(BASE, size, true, CarveRule.LINUX_6_9);
        assertThat(now.usemem().length()).as("current length for %d", size).isEqualTo(curLen);
        assertThat(now.usemem().barSize()).as("current BAR for %d", size).isEqualTo(curBar);
        assertThat(old.usemem().length()).as("6.9 length for %d", size).isEqualTo(oldLen);
        assertThat(old.usemem().barSize()).as("6.9 BAR for %d", size).isEqualTo(oldBar);
    }

    @ParameterizedTest
    @EnumSource(CarveRule.class)
    @DisplayName("NV-2.4 a result of 0 fails the device: memory too small for the carve-out and one 512 MiB block")
    void nv_2_4_too_small_fails(CarveRule rule) {
        assertThatThrownBy(() -> MemoryLayout.carve(BASE, GiB, true, rule))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemoryLayout.carve(BASE, GiB + 512 * MiB - 1, true, rule))
                .isInstanceOf(IllegalArgumentException.class);
        MemoryLayout smallest = MemoryLayout.carve(BASE, GiB + 512 * MiB, true, rule);
        assertThat(smallest.usemem().length()).isEqualTo(512 * MiB);
        assertThat(smallest.usemem().barSize()).isEqualTo(512 * MiB);
        assertThat(smallest.resmem().orElseThrow().length()).isEqualTo(GiB);
    }

    @RepeatedTest(50)
    @DisplayName(
            "NV-2.4 property: usemem 512 MiB aligned, resmem at its end of length [1 GiB, 1.5 GiB), BARs powers of two")
    void nv_2_4_property(RepetitionInfo info) {
        long seed = 0x6e76L * info.getCurrentRepetition();
        Random r = new Random(seed);
        long size = GiB + 512 * MiB + (r.nextLong() & ((1L << 40) - 1));
        for (CarveRule rule : CarveRule.values()) {
            MemoryLayout l = MemoryLayout.carve(BASE, size, true, rule);
            MemRegion use = l.usemem();
            MemRegion res = l.resmem().orElseThrow();
            assertThat(use.length() % (512 * MiB)).as("seed %d", seed).isZero();
            assertThat(res.fileOffset()).isEqualTo(use.length());
            assertThat(res.physBase()).isEqualTo(BASE + use.length());
            assertThat(use.length() + res.length()).isEqualTo(size);
            assertThat(res.length()).isBetween(GiB, GiB + 512 * MiB - 1);
            assertThat(Long.bitCount(use.barSize())).isEqualTo(1);
            assertThat(use.barSize()).isGreaterThanOrEqualTo(use.length()).isLessThan(2 * (use.length() + 512 * MiB));
            assertThat(res.barSize()).isEqualTo(2 * GiB > res.length() && res.length() > GiB ? 2 * GiB : GiB);
        }
    }

    @Test
    @DisplayName("NV-2.5 without the carve-out all memory is usemem, not rounded to 512 MiB, no resmem")
    void nv_2_5_no_carve_out() {
        long size = 5 * GiB + 4096;
        for (CarveRule rule : CarveRule.values()) {
            MemoryLayout l = MemoryLayout.carve(BASE, size, false, rule);
            assertThat(l.usemem()).isEqualTo(new MemRegion(BASE, 0, size, 8 * GiB));
            assertThat(l.resmem()).isEmpty();
            assertThat(l.forRegion(2)).isEmpty();
        }
    }

    @Test
    void roundUpPow2() {
        assertThat(MemRegion.roundUpPow2(1)).isEqualTo(1);
        assertThat(MemRegion.roundUpPow2(3)).isEqualTo(4);
        assertThat(MemRegion.roundUpPow2(4)).isEqualTo(4);
        assertThat(MemRegion.roundUpPow2(95 * GiB)).isEqualTo(128 * GiB);
        assertThatThrownBy(() -> MemRegion.roundUpPow2(Long.MAX_VALUE)).isInstanceOf(ArithmeticException.class);
    }
}
