package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Trapped read/write of one emulated memory BAR as pure functions (NV-4.1, NV-4.2, NV-4.4, NV-6.2). */
class TrappedMemoryTest {
    // A small region: 3000 bytes of memory in a 4096-byte BAR.
    final MemRegion region = new MemRegion(0, 0, 3000, 4096);
    final MemorySegment memory = Arena.ofAuto().allocate(3000);

    TrappedMemoryTest() {
        for (int i = 0; i < 3000; i++) {
            memory.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
    }

    static void assertErrno(int errno, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }

    @Test
    @DisplayName("NV-4.1 offset >= BAR size is EINVAL; the count is clipped to the BAR")
    void nv_4_1() throws Exception {
        assertErrno(
                Errno.EINVAL,
                () -> TrappedMemory.read(region, memory, 4096, MemorySegment.ofArray(new byte[1]), false));
        assertErrno(
                Errno.EINVAL,
                () -> TrappedMemory.write(region, memory, 4096, MemorySegment.ofArray(new byte[1]), false));
        assertErrno(
                Errno.EINVAL, () -> TrappedMemory.read(region, memory, -1, MemorySegment.ofArray(new byte[1]), false));
        assertThat(TrappedMemory.read(region, memory, 4090, MemorySegment.ofArray(new byte[64]), false))
                .isEqualTo(6);
        assertThat(TrappedMemory.write(region, memory, 4090, MemorySegment.ofArray(new byte[64]), false))
                .isEqualTo(6);
    }

    @Test
    @DisplayName("NV-4.2 bytes in [length, barSize) read 0xFF; a straddling read gets memory then 0xFF")
    void nv_4_2_reads() throws Exception {
        byte[] out = new byte[8];
        assertThat(TrappedMemory.read(region, memory, 2996, MemorySegment.ofArray(out), false))
                .isEqualTo(8);
        assertThat(out).containsExactly((byte) 2996, (byte) 2997, (byte) 2998, (byte) 2999, -1, -1, -1, -1);
        byte[] pad = new byte[16];
        assertThat(TrappedMemory.read(region, memory, 3500, MemorySegment.ofArray(pad), false))
                .isEqualTo(16);
        assertThat(pad).containsOnly((byte) 0xFF);
    }

    @Test
    @DisplayName("NV-4.2 writes in [length, barSize) are dropped and the full count is returned")
    void nv_4_2_writes() throws Exception {
        byte[] data = {1, 2, 3, 4, 5, 6, 7, 8};
        assertThat(TrappedMemory.write(region, memory, 2996, MemorySegment.ofArray(data), false))
                .isEqualTo(8);
        assertThat(memory.get(ValueLayout.JAVA_BYTE, 2999)).isEqualTo((byte) 4);
        assertThat(TrappedMemory.write(region, memory, 3100, MemorySegment.ofArray(data), false))
                .isEqualTo(8);
        byte[] back = new byte[8];
        TrappedMemory.read(region, memory, 3100, MemorySegment.ofArray(back), false);
        assertThat(back).containsOnly((byte) 0xFF);
    }

    @Test
    @DisplayName("NV-4.4 kernel-exact resmem quirk: a straddling access returns only the in-memory count, no 0xFF fill")
    void nv_4_4_quirk() throws Exception {
        byte[] out = new byte[8];
        Arrays.fill(out, (byte) 0x11);
        assertThat(TrappedMemory.read(region, memory, 2996, MemorySegment.ofArray(out), true))
                .isEqualTo(4);
        assertThat(out).containsExactly((byte) 2996, (byte) 2997, (byte) 2998, (byte) 2999, 0x11, 0x11, 0x11, 0x11);
        assertThat(TrappedMemory.write(region, memory, 2996, MemorySegment.ofArray(new byte[8]), true))
                .isEqualTo(4);
        // entirely beyond length: the quirk does not apply, 0xFF fill and full count
        assertThat(TrappedMemory.read(region, memory, 3200, MemorySegment.ofArray(out), true))
                .isEqualTo(8);
        assertThat(out).containsOnly((byte) 0xFF);
        // entirely inside: full count
        assertThat(TrappedMemory.read(region, memory, 0, MemorySegment.ofArray(out), true))
                .isEqualTo(8);
    }

    @Test
    @DisplayName("NV-6.2 hardware answer while memory is disabled: all ones, writes dropped, BAR limits still apply")
    void nv_6_2_all_ones() throws Exception {
        byte[] out = new byte[4];
        assertThat(TrappedMemory.readAllOnes(region, 0, MemorySegment.ofArray(out)))
                .isEqualTo(4);
        assertThat(out).containsOnly((byte) 0xFF);
        assertThat(TrappedMemory.dropWrite(region, 0, MemorySegment.ofArray(new byte[4])))
                .isEqualTo(4);
        assertThat(memory.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0);
        assertThat(memory.get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) 1);
        assertErrno(Errno.EINVAL, () -> TrappedMemory.readAllOnes(region, 5000, MemorySegment.ofArray(out)));
    }
}
