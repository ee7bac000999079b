package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.profile.GpuProfile;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The device-memory sizes a served Grace GPU may have, and how they follow from the carving rules. */
class MemorySizeRangeTest {
    static final long KiB = 1L << 10, MiB = 1L << 20, GiB = 1L << 30, TiB = 1L << 40;
    static final long BASE = 0x4000_0000_0000L;

    @ParameterizedTest
    @EnumSource(CarveRule.class)
    @DisplayName("NV-2.4 with the carve-out the smallest size is 1.5 GiB: it carves, one granule less does not")
    void nv_2_4_minimumWithCarveOutIsTheSmallestThatCarves(CarveRule rule) {
        MemorySizeRange r = MemorySizeRange.forChip(true);
        assertThat(r.minimum()).isEqualTo(GiB + 512 * MiB);
        MemoryLayout l = MemoryLayout.carve(BASE, r.minimum(), true, rule);
        assertThat(l.usemem().length()).isEqualTo(512 * MiB);
        assertThat(l.resmem().orElseThrow().length()).isEqualTo(GiB);
        assertThatThrownBy(() -> MemoryLayout.carve(BASE, r.minimum() - r.granule(), true, rule))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(r.contains(r.minimum() - r.granule())).isFalse();
    }

    @Test
    @DisplayName("NV-2.5 without the carve-out the smallest size is one 512 MiB guest memory block")
    void nv_2_5_minimumWithoutCarveOutIsOneMemoryBlock() {
        MemorySizeRange r = MemorySizeRange.forChip(false);
        assertThat(r.minimum()).isEqualTo(NvGraceConstants.MEMBLK_SIZE);
        assertThat(r.contains(512 * MiB)).isTrue();
        assertThat(r.contains(512 * MiB - 64 * KiB)).isFalse();
        assertThat(r.problem(100))
                .contains("100 bytes is too small; allowed: 512 MiB to 64 TiB in multiples of 64 KiB");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    @DisplayName("NV-2.4/2.5 sizes are whole 64 KiB pages, so every mappable area (NV-5.2) maps completely")
    void nv_5_2_sizesAreWhole64KiBPages(boolean carveOut) {
        MemorySizeRange r = MemorySizeRange.forChip(carveOut);
        assertThat(r.contains(2 * GiB + 64 * KiB)).isTrue();
        assertThat(r.contains(2 * GiB + 4 * KiB)).isFalse();
        assertThat(r.problem(2 * GiB + 4 * KiB).orElseThrow()).contains("is not a multiple of 64 KiB", "allowed: ");
        if (carveOut) {
            // resmem's mappable length follows the size's granule (usemem is whole 512 MiB blocks)
            MemoryLayout l = MemoryLayout.carve(BASE, 2 * GiB + 64 * KiB, true, CarveRule.CURRENT);
            assertThat(l.resmem().orElseThrow().length() % r.granule()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    @DisplayName("NV-2.4 the largest size is 64 TiB: usemem's BAR is at most 64 TiB")
    void nv_2_4_largestSizeKeepsTheBarAt64TiB(boolean carveOut) {
        MemorySizeRange r = MemorySizeRange.forChip(carveOut);
        assertThat(r.maximum()).isEqualTo(64 * TiB);
        assertThat(MemoryLayout.carve(BASE, r.maximum(), carveOut, CarveRule.CURRENT)
                        .usemem()
                        .barSize())
                .isEqualTo(64 * TiB);
        assertThat(r.problem(r.maximum() + r.granule()).orElseThrow()).contains("is too large", "64 TiB");
        assertThat(r.problem(Long.MAX_VALUE)).isPresent();
    }

    @ParameterizedTest
    @EnumSource(GpuProfile.class)
    @DisplayName("NV-1.1 every profile's default memory size is one its chip can have")
    void nv_1_1_profileDefaultsAreAllowed(GpuProfile p) {
        assertThat(p.memorySizes()).isEqualTo(MemorySizeRange.forChip(p.needsCarveOut()));
        assertThat(p.memorySizes().problem(p.defaultMemorySize())).isEmpty();
    }

    @Test
    @DisplayName("sizes in messages are exact: whole or half units, else bytes")
    void humanSizesAreExact() {
        assertThat(MemorySizeRange.human(96 * GiB)).isEqualTo("96 GiB");
        assertThat(MemorySizeRange.human(GiB + 512 * MiB)).isEqualTo("1.5 GiB");
        assertThat(MemorySizeRange.human(64 * KiB)).isEqualTo("64 KiB");
        assertThat(MemorySizeRange.human(100)).isEqualTo("100 bytes");
        assertThat(MemorySizeRange.human(1025)).isEqualTo("1025 bytes");
        assertThat(MemorySizeRange.forChip(true)).hasToString("1.5 GiB to 64 TiB in multiples of 64 KiB");
    }
}
