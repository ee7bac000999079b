package dev.jvfio.hw;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.pci.PciBar;
import dev.jvfio.pci.VfioPciDevice;
import dev.jvfio.procfs.ResidentMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedGraceGpuTest {
    static final long GiB = 1L << 30;

    @Test
    @DisplayName(
            "NV-1.2 physical function: 64-bit 16 MiB BAR0, real 64-bit prefetchable BAR in slots 2/3, nothing in 4/5")
    void nv_1_2_physical_bars() throws Exception {
        try (SimulatedGraceGpu gpu = SimulatedGraceGpu.create("pf", GpuSpec.of(0x2342, false, 2 * GiB));
                VfioPciDevice pf = gpu.physicalFunction("pf").build()) {
            PciBar bar0 = pf.bar(0);
            assertThat(bar0.size()).isEqualTo(16L << 20);
            assertThat(bar0.flagBits()).isEqualTo(0x4);
            PciBar bar1 = pf.bar(2);
            assertThat(bar1.flagBits()).isEqualTo(0xC);
            assertThat(pf.bar(4)).isNull();
            assertThat(pf.bar(5)).isNull();
            assertThat(pf.regionInfo(4).size()).isZero();
            assertThat(pf.regionInfo(3).size()).isZero();
            assertThat(pf.config().read16(0)).isEqualTo(0x10de);
            assertThat(pf.config().read16(2)).isEqualTo(0x2342);
            assertThat(pf.config().read32(8) >>> 8).isEqualTo(0x030200);
            assertThat(pf.capabilities().find(0x10)).as("PCI Express").isPresent();
            assertThat(pf.capabilities().find(0x11)).as("MSI-X").isPresent();
            assertThat(pf.irqInfo(Vfio.PCI_MSIX_IRQ_INDEX).count()).isEqualTo(PhysicalFunction.MSIX_VECTORS);
        }
    }

    @Test
    @DisplayName("NV-2.3 NVIDIA DVSEC id 3: word at +0xA bit 0 clear on Hopper, set on Blackwell")
    void nv_2_3_dvsec() throws Exception {
        for (boolean fixed : new boolean[] {false, true}) {
            try (SimulatedGraceGpu gpu = SimulatedGraceGpu.create("pf", GpuSpec.of(0x2941, fixed, GiB));
                    VfioPciDevice pf = gpu.physicalFunction("pf").build()) {
                var dvsec = pf.findDvsec(0x10de, 3).orElseThrow();
                assertThat(dvsec.offset()).isGreaterThanOrEqualTo(0x100);
                assertThat(pf.config().read16(dvsec.offset() + 0xA) & 1).isEqualTo(fixed ? 1 : 0);
                assertThat(dvsec.read16(0xA) & 1).isEqualTo(fixed ? 1 : 0);
            }
        }
    }

    @Test
    @DisplayName("NV-2.1 firmware properties: base PA, size, pxm start, pxm count 8; absent when not described")
    void nv_2_1_firmware() throws Exception {
        try (SimulatedGraceGpu gpu = SimulatedGraceGpu.create("fw", GpuSpec.of(0x2342, false, 3 * GiB))) {
            FirmwareProperties fw = gpu.firmwareProperties().orElseThrow();
            assertThat(fw).isEqualTo(new FirmwareProperties(GpuSpec.DEFAULT_MEM_BASE_PA, 3 * GiB, 2, 8));
            assertThat(gpu.deviceMemory().orElseThrow().size()).isEqualTo(3 * GiB);
        }
        try (SimulatedGraceGpu gpu = SimulatedGraceGpu.create(
                "fw", GpuSpec.of(0x2342, false, 3 * GiB).withFirmwareProperties(false))) {
            assertThat(gpu.firmwareProperties()).isEmpty();
        }
        try (SimulatedGraceGpu gpu = SimulatedGraceGpu.create("fw", GpuSpec.of(0x2342, false, 0))) {
            assertThat(gpu.firmwareProperties().orElseThrow().memSize()).isZero();
            assertThat(gpu.deviceMemory()).isEmpty();
        }
    }

    @Test
    @DisplayName("96 GiB of device memory is one sparse memfd: creating and touching pages far apart stays small")
    void sparse_96g() throws Exception {
        long before = ResidentMemory.selfBytes();
        try (SimulatedGraceGpu gpu = SimulatedGraceGpu.create("big", GpuSpec.of(0x2342, false, 96 * GiB))) {
            MemorySegment mem = gpu.deviceMemory().orElseThrow().segment();
            assertThat(mem.byteSize()).isEqualTo(96 * GiB);
            for (long at = 0; at < 96 * GiB; at += 8 * GiB) {
                mem.set(ValueLayout.JAVA_LONG, at, at);
            }
            for (long at = 0; at < 96 * GiB; at += 8 * GiB) {
                assertThat(mem.get(ValueLayout.JAVA_LONG, at)).isEqualTo(at);
            }
            assertThat(ResidentMemory.selfBytes() - before)
                    .as("no 96 GiB commit")
                    .isLessThan(256L << 20);
        }
    }

    @Test
    @DisplayName("NV-7.3 a backing file keeps device memory across restarts (and a reset never scrubs it)")
    void backing_file_persists(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gpu.mem");
        GpuSpec spec = GpuSpec.of(0x2342, false, 2 * GiB).withBackingFile(file);
        try (SimulatedGraceGpu gpu = SimulatedGraceGpu.create("a", spec)) {
            gpu.deviceMemory().orElseThrow().segment().set(ValueLayout.JAVA_LONG, GiB, 0x1234_5678L);
            gpu.functionReset();
            assertThat(gpu.deviceMemory().orElseThrow().segment().get(ValueLayout.JAVA_LONG, GiB))
                    .isEqualTo(0x1234_5678L);
        }
        assertThat(Files.size(file)).isEqualTo(2 * GiB);
        try (SimulatedGraceGpu gpu = SimulatedGraceGpu.create("b", spec)) {
            assertThat(gpu.deviceMemory().orElseThrow().segment().get(ValueLayout.JAVA_LONG, GiB))
                    .isEqualTo(0x1234_5678L);
        }
    }

    @Test
    @DisplayName("NV-7.3 during reset recovery the hardware reports a reset in progress")
    void reset_in_progress() throws Exception {
        long[] now = {0};
        GpuSpec spec = GpuSpec.of(0x2342, false, GiB + (512L << 20)).withNotReadyAfterReset(Duration.ofSeconds(2));
        try (SimulatedGraceGpu gpu = SimulatedGraceGpu.create("r", spec, () -> now[0])) {
            assertThat(gpu.resetInProgress()).isFalse();
            gpu.functionReset();
            assertThat(gpu.resetInProgress()).isTrue();
            assertThat(gpu.readBar0(0x200BC)).isZero();
            now[0] += Duration.ofSeconds(2).toNanos();
            assertThat(gpu.resetInProgress()).isFalse();
            assertThat(gpu.readBar0(0x200BC)).isEqualTo(0xFF);
        }
    }

    @Test
    void bar0_through_the_core_serves_the_registers() throws Exception {
        try (SimulatedGraceGpu gpu = SimulatedGraceGpu.create("pf", GpuSpec.of(0x2342, false, GiB + (512L << 20)));
                VfioPciDevice pf = gpu.physicalFunction("pf").build()) {
            MemorySegment cmd = MemorySegment.ofArray(new byte[] {2, 0});
            pf.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, cmd);
            MemorySegment b = MemorySegment.ofArray(new byte[4]);
            pf.read(0, 0x1498, b);
            assertThat(b.get(ValueLayout.JAVA_INT_UNALIGNED, 0)).isEqualTo(0xFF);
            RegionInfo r0 = pf.regionInfo(0);
            assertThat(r0.mappable()).isFalse();
        }
    }
}
