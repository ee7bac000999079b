package dev.jvfio.hw;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** jvfio's BAR0 guest-info block (docs/guest-memory.md): how a guest learns the usemem length. */
class GuestInfoRegistersTest {
    static final long GIB = 1L << 30;
    static final long MIB = 1L << 20;

    static SimulatedGraceGpu gpu(int deviceId, boolean blackwell, long size) throws Exception {
        return SimulatedGraceGpu.create("t", GpuSpec.of(deviceId, blackwell, size));
    }

    static long usemem(GpuHardware hw) {
        return Integer.toUnsignedLong(hw.readBar0(GuestInfoRegisters.USEMEM_SIZE_LO))
                | (long) hw.readBar0(GuestInfoRegisters.USEMEM_SIZE_HI) << 32;
    }

    @Test
    @DisplayName("NV-2.4 Grace Hopper: USEMEM_SIZE = memory - 1 GiB, rounded down to 512 MiB, behind the magic")
    void hopper_usemem_is_carved() throws Exception {
        try (var hw = gpu(0x2342, false, 4 * GIB)) {
            assertThat(hw.readBar0(GuestInfoRegisters.MAGIC)).isEqualTo(0x6d666a76);
            assertThat(hw.readBar0(GuestInfoRegisters.VERSION)).isEqualTo(1);
            assertThat(usemem(hw)).isEqualTo(3 * GIB);
        }
        try (var hw = gpu(0x2342, false, 96 * GIB + 700 * MIB)) {
            assertThat(usemem(hw)).isEqualTo(95 * GIB + 512 * MIB);
        }
        try (var hw = gpu(0x2342, false, GIB + 100 * MIB)) {
            assertThat(usemem(hw))
                    .as("no whole 512 MiB block after the carve-out")
                    .isZero();
        }
    }

    @Test
    @DisplayName("NV-2.5 Grace Blackwell: USEMEM_SIZE = the whole memory, not rounded; 64-bit values span both halves")
    void blackwell_usemem_is_all_memory() throws Exception {
        try (var hw = gpu(0x2941, true, 192 * GIB + 4096)) {
            assertThat(usemem(hw)).isEqualTo(192 * GIB + 4096);
            assertThat(hw.readBar0(GuestInfoRegisters.USEMEM_SIZE_HI)).isEqualTo(48);
        }
    }

    @Test
    void a_64_bit_read_at_usemem_size_lo_returns_the_length() throws Exception {
        try (var hw = gpu(0x2348, false, 8 * GIB)) {
            MemorySegment buf = MemorySegment.ofArray(new byte[8]);
            assertThat(hw.bar0().read(GuestInfoRegisters.USEMEM_SIZE_LO, buf)).isEqualTo(8);
            assertThat(buf.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0))
                    .isEqualTo(7 * GIB);
            hw.bar0().write(GuestInfoRegisters.USEMEM_SIZE_LO, MemorySegment.ofArray(new byte[8]));
            assertThat(usemem(hw)).as("read-only").isEqualTo(7 * GIB);
        }
    }

    @Test
    void the_block_stays_clear_of_the_registers_the_model_gives_a_meaning() {
        long lo = GuestInfoRegisters.BASE;
        long hi = GuestInfoRegisters.BASE + GuestInfoRegisters.SIZE;
        for (long reg : new long[] {
            Bar0Registers.BOOT_0,
            Bar0Registers.C2C_LINK_STATUS,
            Bar0Registers.HBM_TRAINING_STATUS,
            PhysicalFunction.MSIX_TABLE_OFFSET,
            PhysicalFunction.MSIX_PBA_OFFSET
        }) {
            assertThat(GuestInfoRegisters.contains(reg)).as("0x%x", reg).isFalse();
        }
        assertThat(lo).as("after the copy engine block 0x100000..0x10003F").isGreaterThan(0x10_003FL);
        assertThat(hi).isLessThanOrEqualTo(Bar0Registers.SIZE);
        assertThat(GuestInfoRegisters.contains(GuestInfoRegisters.BASE - 1)).isFalse();
        assertThat(new Bar0Registers(0, new ResetTiming(Duration.ZERO, System::nanoTime))
                        .read32(GuestInfoRegisters.MAGIC))
                .as("a register file without the block reads 0")
                .isZero();
    }
}
