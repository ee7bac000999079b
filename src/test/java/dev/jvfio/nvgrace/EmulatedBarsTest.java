package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** The config-space BAR shadows alone, over byte buffers (NV-3.2 to NV-3.5; masked for NV-6.4). */
class EmulatedBarsTest {
    static final long GiB = 1L << 30;
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final MemoryLayout gh200 = MemoryLayout.carve(0, 96 * GiB, true, CarveRule.CURRENT);
    final MemoryLayout gb200 = MemoryLayout.carve(0, 5 * GiB, false, CarveRule.CURRENT);

    /** Stand-in for the core's config read: every byte 0xAB, so overlays are visible. */
    static MemorySegment coreBytes(int n) {
        MemorySegment s = MemorySegment.ofArray(new byte[n]);
        s.fill((byte) 0xAB);
        return s;
    }

    static long read64(EmulatedBars bars, int pos) {
        MemorySegment buf = coreBytes(8);
        bars.overlayRead(pos, buf);
        return buf.get(LE64, 0);
    }

    static int read32(EmulatedBars bars, int pos) {
        MemorySegment buf = coreBytes(4);
        bars.overlayRead(pos, buf);
        return buf.get(LE32, 0);
    }

    static int write32(EmulatedBars bars, int pos, int value) {
        MemorySegment src = MemorySegment.ofArray(new byte[4]);
        src.set(LE32, 0, value);
        return bars.absorbWrite(pos, src);
    }

    @Test
    @DisplayName("NV-3.3 sizing BAR4 and BAR2 by all-ones writes reads back the 64-bit size mask | 0xC")
    void nv_3_3_sizing() {
        EmulatedBars bars = EmulatedBars.over(gh200);
        for (int reg : new int[] {0x18, 0x1C, 0x20, 0x24}) {
            assertThat(write32(bars, reg, 0xFFFF_FFFF)).isEqualTo(4);
        }
        assertThat(read64(bars, 0x20)).isEqualTo(~(128 * GiB - 1) | 0xC);
        assertThat(read64(bars, 0x18)).isEqualTo(~(GiB - 1) | 0xC);
        assertThat(read32(bars, 0x20)).isEqualTo(0x0000_000C);
        assertThat(read32(bars, 0x24)).isEqualTo(0xFFFF_FFE0); // 128 GiB: bits 37.. of the upper dword
    }

    @Test
    @DisplayName("NV-3.3 a programmed base reads back masked to the BAR size with the type bits")
    void nv_3_3_base_address() {
        EmulatedBars bars = EmulatedBars.over(gh200);
        write32(bars, 0x20, 0x1234_5678);
        write32(bars, 0x24, 0x0000_0020);
        assertThat(read64(bars, 0x20)).isEqualTo(0x20_0000_000CL);
        assertThat(bars.shadow(0x20)).isEqualTo(0x20_1234_5678L);
    }

    @Test
    @DisplayName("NV-3.3 bytes outside the emulated range keep the core's value; partial overlaps are patched bytewise")
    void nv_3_3_partial_overlap() {
        EmulatedBars bars = EmulatedBars.over(gh200);
        MemorySegment buf = coreBytes(8);
        bars.overlayRead(0x14, buf); // 0x14..0x1B: 4 core bytes then BAR2 low dword
        assertThat(buf.get(LE32, 0)).isEqualTo(0xABAB_ABAB);
        assertThat(buf.get(LE32, 4)).isEqualTo(0x0000_000C);
        MemorySegment one = coreBytes(1);
        bars.overlayRead(0x20, one);
        assertThat(one.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x0C);
        MemorySegment other = coreBytes(4);
        bars.overlayRead(0x10, other);
        assertThat(other.get(LE32, 0)).isEqualTo(0xABAB_ABAB);
    }

    @Test
    @DisplayName("NV-3.4 a write spilling out of the BAR range stores only the overlap and returns a short count")
    void nv_3_4_short_write() {
        EmulatedBars bars = EmulatedBars.over(gh200);
        MemorySegment src = MemorySegment.ofArray(new byte[8]);
        src.set(LE64, 0, 0x1122_3344_5566_7788L);
        assertThat(bars.absorbWrite(0x14, src)).isEqualTo(4); // 0x18..0x1B of BAR2
        assertThat(bars.shadow(0x18)).isEqualTo(0x1122_3344L);
        assertThat(write32(bars, 0x10, 1)).as("BAR0 goes to the core").isEqualTo(-1);
        assertThat(write32(bars, 0x28, 1)).as("cardbus goes to the core").isEqualTo(-1);
        // BAR2 first, else BAR4: an 8-byte write at 0x1C touches only BAR2's upper dword
        assertThat(bars.absorbWrite(0x1C, src)).isEqualTo(4);
        assertThat(bars.shadow(0x20)).isZero();
    }

    @Test
    @DisplayName("NV-3.2 shadows are zero at open and cleared by DEVICE_RESET (clear)")
    void nv_3_2_clear() {
        EmulatedBars bars = EmulatedBars.over(gh200);
        assertThat(bars.shadow(0x18)).isZero();
        write32(bars, 0x20, -1);
        write32(bars, 0x1C, -1);
        bars.clear();
        assertThat(bars.shadow(0x18)).isZero();
        assertThat(bars.shadow(0x20)).isZero();
        assertThat(read64(bars, 0x20)).isEqualTo(0xC);
    }

    @Test
    @DisplayName("NV-3.5 without resmem, BAR2/3 accesses are left to the core (the physical BAR)")
    void nv_3_5_no_resmem() {
        EmulatedBars bars = EmulatedBars.over(gb200);
        assertThat(write32(bars, 0x18, -1)).isEqualTo(-1);
        assertThat(read32(bars, 0x18)).isEqualTo(0xABAB_ABAB);
        assertThat(write32(bars, 0x20, -1)).isEqualTo(4);
        assertThat(write32(bars, 0x24, -1)).isEqualTo(4);
        assertThat(read64(bars, 0x20)).isEqualTo(~(8 * GiB - 1) | 0xC);
    }

    @Test
    @DisplayName("NV-6.4 region layout: BARs 2..5 masked, read zero, writes absorbed")
    void nv_6_4_masked() {
        EmulatedBars bars = EmulatedBars.masked();
        assertThat(write32(bars, 0x18, -1)).isEqualTo(4);
        assertThat(write32(bars, 0x24, -1)).isEqualTo(4);
        assertThat(read64(bars, 0x18)).isZero();
        assertThat(read64(bars, 0x20)).isZero();
        assertThat(read32(bars, 0x10)).isEqualTo(0xABAB_ABAB);
        assertThat(write32(bars, 0x28, -1)).isEqualTo(-1);
    }

    @RepeatedTest(20)
    @DisplayName("NV-3.3/NV-3.4 property: byte-granular writes land verbatim in the shadow, reads show it masked")
    void nv_3_4_property(RepetitionInfo info) {
        long seed = 31L * info.getCurrentRepetition();
        Random r = new Random(seed);
        EmulatedBars bars = EmulatedBars.over(gh200);
        byte[] model = new byte[16]; // 0x18..0x27
        for (int i = 0; i < 40; i++) {
            int pos = 0x14 + r.nextInt(0x18);
            int len = 1 << r.nextInt(3);
            byte[] data = new byte[len];
            r.nextBytes(data);
            int n = bars.absorbWrite(pos, MemorySegment.ofArray(data));
            int target = (pos < 0x20 && pos + len > 0x18) ? 0x18 : (pos < 0x28 && pos + len > 0x20) ? 0x20 : -1;
            if (target < 0) {
                assertThat(n).as("seed %d", seed).isEqualTo(-1);
                continue;
            }
            int start = Math.max(pos, target), end = Math.min(pos + len, target + 8);
            assertThat(n).as("seed %d", seed).isEqualTo(end - start);
            for (int b = start; b < end; b++) {
                model[b - 0x18] = data[b - pos];
            }
        }
        long res = MemorySegment.ofArray(model).get(LE64, 0);
        long use = MemorySegment.ofArray(model).get(LE64, 8);
        assertThat(bars.shadow(0x18)).as("seed %d", seed).isEqualTo(res);
        assertThat(bars.shadow(0x20)).as("seed %d", seed).isEqualTo(use);
        assertThat(read64(bars, 0x18)).isEqualTo((res & ~(GiB - 1)) | 0xC);
        assertThat(read64(bars, 0x20)).isEqualTo((use & ~(128 * GiB - 1)) | 0xC);
    }
}
