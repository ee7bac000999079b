package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.device.Fault;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.profile.GpuProfile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The GPU's faults (docs/faults.md): its PCI function's, and a reset that never completes (NV-7). */
class GpuFaultTest {
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    final FakeTime time = new FakeTime();
    NvGraceGpuDevice dev;

    @BeforeEach
    void gpu() throws Exception {
        dev = DeviceProfiles.createGpu(
                GpuProfile.GH200,
                GpuOptions.defaults().withProfile("gh200").withMemorySize(2L << 30 | 768L << 20),
                time,
                time);
        dev.attach(DmaSpace.NONE);
        memoryEnable();
    }

    @AfterEach
    void close() {
        dev.close();
    }

    int cfg32(int off) throws VfioException {
        MemorySegment b = MemorySegment.ofArray(new byte[4]);
        dev.read(Vfio.PCI_CONFIG_REGION_INDEX, off, b);
        return b.get(LE32, 0);
    }

    void memoryEnable() throws VfioException {
        MemorySegment b = MemorySegment.ofArray(new byte[] {(byte) PciHeader.COMMAND_MEMORY, 0});
        dev.write(Vfio.PCI_CONFIG_REGION_INDEX, PciHeader.COMMAND, b);
    }

    int errnoOf(ThrowingRead r) {
        try {
            r.run();
            return 0;
        } catch (VfioException e) {
            return e.errno();
        }
    }

    interface ThrowingRead {
        void run() throws VfioException;
    }

    @Test
    @DisplayName(
            "NV-7.1 an injected reset failure: the next reset leaves the GPU not ready, the trapped access times out (ETIME) until recover")
    void resetFail() throws Exception {
        assertThat(dev.faults().supported()).contains(Fault.RESET_FAIL, Fault.ERROR, Fault.FALL_OFF_BUS, Fault.STALL);
        dev.faults().inject(Fault.RESET_FAIL, null);
        MemorySegment one = MemorySegment.ofArray(new byte[1]);
        assertThat(dev.read(4, 0, one)).as("armed, no reset yet").isEqualTo(1);
        dev.reset();
        memoryEnable();
        assertThat(dev.status().health()).contains("reset in progress");
        assertThat(errnoOf(() -> dev.read(4, 0, one))).isEqualTo(Errno.ETIME);
        time.advance(Duration.ofMinutes(10));
        assertThat(errnoOf(() -> dev.read(4, 0, one))).as("never ready").isEqualTo(Errno.ETIME);
        assertThat(dev.faults().recover()).contains("ready");
        assertThat(dev.read(4, 0, one)).isEqualTo(1);
        assertThat(dev.status().health()).isEqualTo("ok");
    }

    @Test
    @DisplayName("PCI-11.1 the GPU function has AER: an injected error shows in its uncorrectable status")
    void error() throws Exception {
        int aer =
                dev.core().capabilities().findExtended(PciHeader.EXT_CAP_ID_ERR).orElseThrow();
        dev.faults().inject(Fault.ERROR, null);
        assertThat(cfg32(aer + 4)).isEqualTo(1 << 22);
    }

    @Test
    @DisplayName(
            "PCI-11.2 / PCI-11.3 off the bus the emulated BARs fail too and config reads all ones; after recover they need a reset")
    void offBus() throws Exception {
        MemorySegment one = MemorySegment.ofArray(new byte[1]);
        dev.faults().inject(Fault.FALL_OFF_BUS, null);
        assertThat(cfg32(0)).isEqualTo(-1);
        assertThat(cfg32(0x18)).as("emulated BAR2 register").isEqualTo(-1);
        assertThat(errnoOf(() -> dev.read(4, 0, one))).isEqualTo(Errno.EIO);
        assertThat(errnoOf(() -> dev.readView(4, 0, 1))).isEqualTo(Errno.EIO);
        assertThat(errnoOf(() -> dev.write(2, 0, one))).isEqualTo(Errno.EIO);
        assertThat(errnoOf(dev::reset)).isEqualTo(Errno.EIO);
        dev.faults().recover();
        assertThat(cfg32(0) & 0xFFFF).isEqualTo(0x10de);
        assertThat(errnoOf(() -> dev.read(4, 0, one))).isEqualTo(Errno.EIO);
        dev.reset();
        memoryEnable();
        assertThat(dev.read(4, 0, one)).isEqualTo(1);
        assertThatThrownBy(() -> dev.faults().inject(Fault.STALL, Duration.ofMinutes(2)))
                .isInstanceOf(VfioException.class);
    }
}
