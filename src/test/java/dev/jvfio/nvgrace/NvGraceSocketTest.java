package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.profile.GpuProfile;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The nvgrace variant as a VMM meets it over a real socket, part 1: identity (NV-1), where device
 * memory comes from (NV-2), the emulated BAR registers (NV-3), trapped access (NV-4) and readiness
 * after reset (NV-7). Region info, mmap, policies and layouts are in {@link NvGraceSocketMemoryTest}.
 */
class NvGraceSocketTest extends SocketFixture {
    // ---------------------------------------------------------------- NV-1, NV-2

    @Test
    @DisplayName("NV-1.1 over the socket: 10de:2342 class 0x0302; gb300 is 10de:31c2")
    void nv_1_1_identity() throws Exception {
        gh200(GpuOptions.defaults());
        assertThat(cfg32(0)).isEqualTo(0x2342_10de);
        assertThat(cfg32(8) >>> 8).isEqualTo(0x030200);
        serve(GpuProfile.GB300, GpuOptions.defaults().withMemorySize(GiB));
        assertThat(cfg32(0)).isEqualTo(0x31C2_10de);
    }

    @Test
    @DisplayName("NV-1.2 / NV-8.1 BAR0 is the real 16 MiB register BAR; the readiness registers read 0xFF through it")
    void nv_1_2_bar0() throws Exception {
        gh200(GpuOptions.defaults());
        assertThat(client.regionInfo(0).size()).isEqualTo(16 * MiB);
        memoryEnable(true);
        assertThat(MemorySegment.ofArray(client.read(0, 0x1498, 4)).get(LE32, 0))
                .isEqualTo(0xFF);
        assertThat(MemorySegment.ofArray(client.read(0, 0x200BC, 4)).get(LE32, 0))
                .isEqualTo(0xFF);
    }

    @Test
    @DisplayName("NV-2.2 firmware memory size 0: plain vfio-pci through the socket (no emulated BAR4)")
    void nv_2_2_plain() throws Exception {
        serve(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(0L));
        assertThat(client.regionInfo(4).size()).isZero();
        assertThat(client.regionInfo(2).size()).isEqualTo(64 * GiB);
        assertThat(client.regionInfo(2).sparseAreas()).isEmpty();
        sizeBar(0x20);
        assertThat(bar64(0x20)).isZero();
    }

    @Test
    @DisplayName("NV-2.4 both carve rules over the socket on an edge size (size-1GiB just above a power of two)")
    void nv_2_4_carve_rules() throws Exception {
        long size = GiB + GiB + 256 * MiB; // size - 1 GiB = 1.25 GiB: strictly between 1 GiB and 1.5 GiB
        serve(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(size));
        sizeBar(0x20);
        assertThat(bar64(0x20)).isEqualTo(~(2 * GiB - 1) | 0xC);
        assertThat(client.regionInfo(4).size()).isEqualTo(2 * GiB);
        assertThat(client.regionInfo(4).sparseAreas()).containsExactly(new SparseArea(0, GiB));
        serve(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(size).withCarveRule(CarveRule.LINUX_6_9));
        sizeBar(0x20);
        assertThat(bar64(0x20)).isEqualTo(~(GiB - 1) | 0xC);
        assertThat(client.regionInfo(4).size()).isEqualTo(GiB);
        assertThat(client.regionInfo(4).sparseAreas()).containsExactly(new SparseArea(0, GiB));
        assertThat(client.regionInfo(2).sparseAreas()).containsExactly(new SparseArea(0, GiB + 256 * MiB));
        // exactly at the window's end both rules agree
        serve(
                GpuProfile.GH200,
                GpuOptions.defaults().withMemorySize(GiB + GiB + 512 * MiB).withCarveRule(CarveRule.LINUX_6_9));
        assertThat(client.regionInfo(4).size()).isEqualTo(2 * GiB);
    }

    @Test
    @DisplayName("NV-2.5 / NV-3.5 GB200 without resmem: BAR4 holds all memory, slots 2/3 are the physical BAR")
    void nv_2_5_gb200() throws Exception {
        serve(GpuProfile.GB200, GpuOptions.defaults().withMemorySize(2 * GiB + 4096));
        RegionInfo four = client.regionInfo(4);
        assertThat(four.size()).isEqualTo(4 * GiB);
        assertThat(four.sparseAreas()).containsExactly(new SparseArea(0, 2 * GiB + 4096));
        RegionInfo two = client.regionInfo(2);
        assertThat(two.size()).isEqualTo(64 * GiB);
        assertThat(two.file()).isNull();
        sizeBar(0x18);
        assertThat(bar64(0x18)).isEqualTo(~(64 * GiB - 1) | 0xC);
        byte[] pad = new byte[8];
        assertThat(readInto(4, 2 * GiB + 4092, pad)).isEqualTo(8);
        assertThat(pad).containsExactly(0, 0, 0, 0, -1, -1, -1, -1);
    }

    // ---------------------------------------------------------------- NV-3 config space

    @Test
    @DisplayName("NV-3.1 / NV-3.3 / NV-8.1 sizing BAR2 and BAR4 by all-ones writes; low dword type bits 0xC")
    void nv_3_3_sizing() throws Exception {
        gh200(GpuOptions.defaults());
        assertThat(cfg32(0x18)).isEqualTo(0xC);
        assertThat(cfg32(0x20)).isEqualTo(0xC);
        sizeBar(0x18);
        sizeBar(0x20);
        assertThat(bar64(0x18)).isEqualTo(~(2 * GiB - 1) | 0xC);
        assertThat(bar64(0x20)).isEqualTo(~(2 * GiB - 1) | 0xC);
        assertThat(client.regionInfo(3).size()).isZero();
        assertThat(client.regionInfo(5).size()).isZero();
    }

    @Test
    @DisplayName("NV-8.3 the guest reads its memory bases back from BAR4 (usemem) and BAR2 (resmem)")
    void nv_8_3_bases() throws Exception {
        gh200(GpuOptions.defaults());
        cfgWrite32(0x20, 0x8000_0000);
        cfgWrite32(0x24, 0x100);
        cfgWrite32(0x18, 0);
        cfgWrite32(0x1C, 0x101);
        assertThat(bar64(0x20)).isEqualTo(0x100_8000_000CL);
        assertThat(bar64(0x18)).isEqualTo(0x101_0000_000CL);
    }

    @Test
    @DisplayName("NV-3.4 a config write spilling out of a BAR pair stores only the overlap and reports a short count")
    void nv_3_4_short_write() throws Exception {
        gh200(GpuOptions.defaults());
        byte[] eight = new byte[8];
        Arrays.fill(eight, (byte) 0xFF);
        assertThat(client.write(CFG, 0x24, eight)).isEqualTo(4);
        assertThat(bar64(0x20)).isEqualTo(0xFFFF_FFFF_0000_000CL & ~(2 * GiB - 1) | 0xC);
        assertThat(cfg32(0x28)).as("not forwarded to the cardbus pointer").isZero();
    }

    @Test
    @DisplayName("NV-3.2 shadows zeroed by DEVICE_RESET and at open (reconnect), not by FLR")
    void nv_3_2_shadows() throws Exception {
        gh200(GpuOptions.defaults());
        sizeBar(0x20);
        flr();
        assertThat(bar64(0x20)).as("FLR keeps it").isEqualTo(~(2 * GiB - 1) | 0xC);
        client.reset();
        assertThat(bar64(0x20)).as("DEVICE_RESET clears it").isEqualTo(0xC);
        sizeBar(0x18);
        reconnect();
        assertThat(bar64(0x18)).as("a new open clears it").isEqualTo(0xC);
    }

    // ---------------------------------------------------------------- NV-4 trapped access

    @Test
    @DisplayName("NV-4.1 EINVAL at and beyond the BAR size; counts clipped at the BAR end")
    void nv_4_1_einval() throws Exception {
        gh200(GpuOptions.defaults());
        assertErrno(22, () -> client.read(4, 2 * GiB, 4));
        assertErrno(22, () -> client.write(2, 2 * GiB + 100, new byte[4]));
        byte[] out = new byte[16];
        assertThat(readInto(4, 2 * GiB - 4, out)).isEqualTo(4);
        assertThat(client.write(4, 2 * GiB - 4, new byte[16])).isEqualTo(4);
    }

    @Test
    @DisplayName("NV-4.2 0xFF padding between memory length and BAR size; writes there dropped with full count")
    void nv_4_2_padding() throws Exception {
        gh200(GpuOptions.defaults());
        assertThat(client.read(4, USE_LEN, 8)).containsOnly((byte) 0xFF);
        assertThat(client.read(4, 2 * GiB - 8, 8)).containsOnly((byte) 0xFF);
        assertThat(client.read(2, RES_LEN + 4096, 4)).containsOnly((byte) 0xFF);
        assertThat(client.write(4, USE_LEN - 4, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
                .isEqualTo(8);
        assertThat(client.read(4, USE_LEN - 4, 8)).containsExactly(1, 2, 3, 4, -1, -1, -1, -1);
        assertThat(client.write(2, RES_LEN, new byte[] {9, 9})).isEqualTo(2);
        assertThat(client.read(2, RES_LEN, 2)).containsExactly(-1, -1);
        assertThat(client.read(2, RES_LEN - 1, 1)).containsExactly(0);
    }

    @Test
    @DisplayName("NV-4.4 kernel-exact mode: resmem straddle returns the in-memory count (default mode fills 0xFF)")
    void nv_4_4_quirk() throws Exception {
        gh200(GpuOptions.defaults().withKernelExactQuirks(true));
        byte[] out = new byte[8];
        assertThat(readInto(2, RES_LEN - 2, out)).isEqualTo(2);
        assertThat(client.write(2, RES_LEN - 2, new byte[8])).isEqualTo(2);
        gh200(GpuOptions.defaults());
        assertThat(readInto(2, RES_LEN - 2, out)).isEqualTo(8);
    }

    @Test
    @DisplayName("NV-4.5 / NV-7.2 after reset: EIO while decode is off, then the access waits for readiness")
    void nv_4_5_readiness_wait() throws Exception {
        gh200(GpuOptions.defaults().withNotReadyAfterReset(Duration.ofSeconds(5)));
        client.write(4, 4096, new byte[] {77});
        client.reset();
        assertErrno(5, () -> client.read(4, 4096, 1));
        memoryEnable(true);
        int sleeps = time.sleeps();
        assertThat(client.read(4, 4096, 1)).as("NV-7.3 no scrub").containsExactly(77);
        assertThat(time.sleeps() - sleeps).isEqualTo(5);
        memoryEnable(false);
        assertThat(client.read(4, 4096, 1)).containsExactly(77);
    }

    @Test
    @DisplayName("NV-7.1 / NV-7.2 ETIME over the socket when the GPU stays not ready 30 s; the next access polls again")
    void nv_7_etime() throws Exception {
        gh200(GpuOptions.defaults().withNotReadyAfterReset(Duration.ofSeconds(85)));
        flr();
        memoryEnable(true);
        assertErrno(62, () -> client.read(4, 0, 1));
        assertErrno(62, () -> client.write(4, 0, new byte[1])); // 60 s after the reset: still not ready
        assertThat(client.write(4, 0, new byte[] {1})).isEqualTo(1); // ready at 85 s, inside this third wait
        assertThat(client.read(4, 0, 1)).containsExactly(1);
    }
}
