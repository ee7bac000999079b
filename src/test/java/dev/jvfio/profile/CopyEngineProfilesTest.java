package dev.jvfio.profile;

import static dev.jvfio.engine.CopyEngine.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.hw.Bar0Registers;
import dev.jvfio.pci.PciHeader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DMA-1.4: every GPU profile has the copy engine at BAR0 + 0x10_0000 working on usemem (BAR4). */
class CopyEngineProfilesTest {
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static int read(VfioDevice d, int region, long offset) throws Exception {
        MemorySegment s = MemorySegment.ofArray(new byte[4]);
        d.read(region, offset, s);
        return s.get(LE32, 0);
    }

    static void write(VfioDevice d, int region, long offset, int value) throws Exception {
        MemorySegment s = MemorySegment.ofArray(new byte[4]);
        s.set(LE32, 0, value);
        d.write(region, offset, s);
    }

    @ParameterizedTest(name = "DMA-1.4 {0} has the copy engine at BAR0 + 0x100000 copying within usemem")
    @ValueSource(strings = {"gh200", "gh200-480gb", "gb200", "gb300"})
    void dma_1_4_engineOnEveryGpuProfile(String profile) throws Exception {
        try (VfioDevice d =
                DeviceProfiles.create(GpuOptions.defaults().withProfile(profile).withMemorySize(2L << 30))) {
            write(d, Vfio.PCI_CONFIG_REGION_INDEX, PciHeader.COMMAND, PciHeader.COMMAND_MEMORY);
            long e = Bar0Registers.COPY_ENGINE;
            write(d, Vfio.PCI_BAR4_REGION_INDEX, 0x100, 0xC0DE_0011);
            write(d, 0, e + SRC_LO, 0x100);
            write(d, 0, e + DST_LO, 0x2000);
            write(d, 0, e + LEN, 4);
            write(d, 0, e + CTRL, CTRL_SRC_DEVICE | CTRL_DST_DEVICE);
            write(d, 0, e + DOORBELL, 1);
            int status = STATUS_BUSY;
            long deadline = System.nanoTime() + 30_000_000_000L; // only a broken engine waits this long
            while (status == STATUS_BUSY && System.nanoTime() < deadline) {
                status = read(d, 0, e + STATUS);
                Thread.onSpinWait();
            }
            assertThat(status).isEqualTo(STATUS_DONE);
            assertThat(read(d, Vfio.PCI_BAR4_REGION_INDEX, 0x2000)).isEqualTo(0xC0DE_0011);
            assertThat(read(d, 0, e + DONE)).isEqualTo(1);
        }
    }
}
