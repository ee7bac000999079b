package dev.jvfio.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class Bar0RegistersTest {
    final AtomicLong now = new AtomicLong(1000);
    final ResetTiming timing = new ResetTiming(Duration.ofMillis(250), now::get);
    final Bar0Registers bar0 = new Bar0Registers(0x180A1, timing);

    @Test
    @DisplayName("NV-7.1 readiness registers 0x1498 and 0x200BC read 0xFF when ready")
    void nv_7_1_ready() {
        assertThat(bar0.read32(0x1498)).isEqualTo(0xFF);
        assertThat(bar0.read32(0x200BC)).isEqualTo(0xFF);
        assertThat(bar0.read32(0x1000)).isZero();
        assertThat(bar0.read32(0)).isEqualTo(0x180A1);
    }

    @Test
    @DisplayName("NV-7.1 after a reset the registers read not-ready for the configured time, then 0xFF")
    void nv_7_1_not_ready_after_reset() {
        timing.reset();
        assertThat(bar0.read32(0x1498)).isEqualTo(0);
        assertThat(bar0.read32(0x200BC)).isEqualTo(0);
        now.addAndGet(Duration.ofMillis(249).toNanos());
        assertThat(timing.ready()).isFalse();
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(bar0.read32(0x1498)).isEqualTo(0xFF);
        assertThat(bar0.read32(0x200BC)).isEqualTo(0xFF);
    }

    @Test
    void reads_of_any_width_and_alignment_come_from_the_registers() {
        MemorySegment buf = MemorySegment.ofArray(new byte[8]);
        assertThat(bar0.read(0x1494, buf)).isEqualTo(8);
        assertThat(buf.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0))
                .isEqualTo(0xFFL << 32);
        MemorySegment one = MemorySegment.ofArray(new byte[1]);
        bar0.read(0x1498, one);
        assertThat(one.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0xFF);
        bar0.read(0x1499, one);
        assertThat(one.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0);
        assertThat(bar0.read(Bar0Registers.SIZE - 2, buf)).isEqualTo(2);
        assertThat(bar0.write(0x1498, MemorySegment.ofArray(new byte[4]))).isEqualTo(4);
        assertThat(bar0.read32(0x1498)).as("writes are ignored").isEqualTo(0xFF);
    }
}
