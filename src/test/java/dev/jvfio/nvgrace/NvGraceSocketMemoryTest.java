package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.RawMessage;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.hw.GpuSpec;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.profile.GpuProfile;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.RegionIoFdsMessage;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The nvgrace variant as a VMM meets it over a real socket, part 2: region info and mmap (NV-5), the
 * memory-enable policies and the region layout (NV-6), and several devices in one server process.
 */
class NvGraceSocketMemoryTest extends SocketFixture {
    // ---------------------------------------------------------------- NV-5 region info and mmap

    @Test
    @DisplayName("NV-5.1 / NV-8.6 region info: size = BAR size, flags 0xF, one sparse area [0, length) and the memfd")
    void nv_5_1_region_info() throws Exception {
        gh200(GpuOptions.defaults());
        RegionInfo four = client.regionInfo(4);
        assertThat(four.size()).isEqualTo(2 * GiB);
        assertThat(four.flags()).isEqualTo(0xF);
        assertThat(four.sparseAreas()).containsExactly(new SparseArea(0, USE_LEN));
        assertThat(four.file()).isNotNull();
        RegionInfo two = client.regionInfo(2);
        assertThat(two.flags()).isEqualTo(0xF);
        assertThat(two.sparseAreas()).containsExactly(new SparseArea(0, RES_LEN));
        assertThat(two.file().fileOffset()).isEqualTo(USE_LEN);
        assertThat(client.regionInfo(3).size()).isZero();
        assertThat(client.regionInfo(5).size()).isZero();
    }

    @Test
    @DisplayName("NV-5.2 the mappable window is [0, length): mapping it works, a window beyond is refused by the check")
    void nv_5_2_mappable_window() throws Exception {
        gh200(GpuOptions.defaults());
        RegionInfo four = client.regionInfo(4);
        MemRegion use = dev.memoryLayout().orElseThrow().usemem();
        SparseArea area = four.sparseAreas().getFirst();
        assertThat(RegionInfos.mmapCheck(use, area.offset(), area.size())).isZero();
        assertThat(RegionInfos.mmapCheck(use, area.offset(), area.size() + 4096))
                .isEqualTo(22);
        assertThat(RegionInfos.mmapCheck(use, -4096L >>> 1, Long.MAX_VALUE)).isEqualTo(75);
        try (MappedMemory m = VfioUserClient.mapRegion(four, 0, area.size(), true)) {
            assertThat(m.size()).isEqualTo(USE_LEN);
        }
    }

    @Test
    @DisplayName("NV-5.3 mappings stay valid across reset and memory-disable (6.18 behaviour; vfio-user cannot revoke)")
    void nv_5_3_never_revoked() throws Exception {
        gh200(GpuOptions.defaults());
        try (MappedMemory m = VfioUserClient.mapRegion(client.regionInfo(4), 0, 64 * MiB, true)) {
            m.segment().set(ValueLayout.JAVA_BYTE, 100, (byte) 5);
            client.reset();
            memoryEnable(false);
            m.segment().set(ValueLayout.JAVA_BYTE, 101, (byte) 6);
            assertThat(m.segment().get(ValueLayout.JAVA_BYTE, 100)).isEqualTo((byte) 5);
            memoryEnable(true);
            assertThat(client.read(4, 100, 2)).containsExactly(5, 6);
        }
    }

    @Test
    @DisplayName("NV-5.4 no ioeventfds: GET_REGION_IO_FDS for BAR4 answers count 0 and no fds")
    void nv_5_4_no_ioeventfd() throws Exception {
        gh200(GpuOptions.defaults());
        MemorySegment req = MemorySegment.ofArray(new byte[RegionIoFdsMessage.SIZE]);
        RegionIoFdsMessage.encodeRequest(req, client.nextMessageId(), 4);
        client.sendRaw(req, List.of());
        RawMessage reply = client.receiveRaw();
        assertThat(reply.command()).isEqualTo(Command.DEVICE_GET_REGION_IO_FDS);
        assertThat(reply.isError()).isFalse();
        assertThat(reply.fds()).isEmpty();
        assertThat(MemorySegment.ofArray(reply.payload()).get(LE32, 12)).isZero();
    }

    @Test
    @DisplayName("NV-5.1 bytes written through the client's mapping read back through REGION_READ, and the reverse")
    void mapping_and_region_access_share_memory() throws Exception {
        gh200(GpuOptions.defaults());
        RegionInfo four = client.regionInfo(4);
        RegionInfo two = client.regionInfo(2);
        try (MappedMemory use = VfioUserClient.mapRegion(four, USE_LEN - 4096, 4096, true);
                MappedMemory res = VfioUserClient.mapRegion(two, 0, 4096, true)) {
            use.segment().set(LE64, 4088, 0x0123_4567_89AB_CDEFL);
            assertThat(MemorySegment.ofArray(client.read(4, USE_LEN - 8, 8)).get(LE64, 0))
                    .isEqualTo(0x0123_4567_89AB_CDEFL);
            client.write(2, 16, new byte[] {1, 2, 3});
            assertThat(res.segment().get(ValueLayout.JAVA_BYTE, 17)).isEqualTo((byte) 2);
            assertThat(client.read(4, USE_LEN, 1))
                    .as("resmem does not leak into BAR4's padding")
                    .containsExactly(-1);
        }
    }

    // ---------------------------------------------------------------- NV-6 policies and layouts

    @Test
    @DisplayName("NV-6.2 / NV-4.3 policy ignore (default): memory-enable off, trapped access still reaches memory")
    void nv_6_2_ignore() throws Exception {
        gh200(GpuOptions.defaults());
        memoryEnable(false);
        assertThat(client.write(4, 8, new byte[] {3})).isEqualTo(1);
        assertThat(client.read(4, 8, 1)).containsExactly(3);
    }

    @Test
    @DisplayName("NV-6.2 policy hardware: with decode off reads are all ones and writes dropped; mmap still offered")
    void nv_6_2_hardware() throws Exception {
        gh200(GpuOptions.defaults().withPolicy(MemoryEnablePolicy.HARDWARE));
        memoryEnable(true);
        client.write(4, 8, new byte[] {3});
        memoryEnable(false);
        assertThat(client.read(4, 8, 4)).containsOnly((byte) 0xFF);
        assertThat(client.write(4, 8, new byte[] {4})).isEqualTo(1);
        memoryEnable(true);
        assertThat(client.read(4, 8, 1)).containsExactly(3);
        assertThat(client.regionInfo(4).sparseAreas()).isNotEmpty();
    }

    @Test
    @DisplayName("NV-7.3 / NV-6.2 policy hardware during reset recovery: all ones, writes dropped, memory not scrubbed")
    void nv_7_3_hardware_during_reset() throws Exception {
        gh200(GpuOptions.defaults()
                .withPolicy(MemoryEnablePolicy.HARDWARE)
                .withNotReadyAfterReset(Duration.ofSeconds(3)));
        memoryEnable(true);
        client.write(4, 64, new byte[] {11});
        client.reset();
        assertThat(client.read(4, 64, 1))
                .as("decode off after reset: all ones, no EIO")
                .containsExactly(-1);
        memoryEnable(true);
        assertThat(client.read(4, 64, 1)).as("reset in progress: all ones").containsExactly(-1);
        assertThat(client.write(4, 64, new byte[] {12})).isEqualTo(1);
        time.advance(Duration.ofSeconds(3));
        assertThat(client.read(4, 64, 1))
                .as("ready: the old content, the write was dropped")
                .containsExactly(11);
        assertThat(dev.readiness().resetPending()).isFalse();
    }

    @Test
    @DisplayName(
            "NV-6.1 / NV-6.3 policy strict: EIO from the real command register (also right after reset), no mmap areas")
    void nv_6_3_strict() throws Exception {
        gh200(GpuOptions.defaults().withPolicy(MemoryEnablePolicy.STRICT));
        assertErrno(5, () -> client.read(4, 0, 4));
        memoryEnable(true);
        client.write(4, 0, new byte[] {8});
        assertThat(client.read(4, 0, 1)).containsExactly(8);
        client.reset(); // unlike v15's private flag, a reset disables memory too
        assertErrno(5, () -> client.read(2, 0, 4));
        RegionInfo info = client.regionInfo(4);
        assertThat(info.flags() & Vfio.REGION_INFO_FLAG_MMAP).isZero();
        assertThat(info.sparseAreas()).isEmpty();
        assertThat(info.file()).isNull();
    }

    @Test
    @DisplayName("NV-6.4 region layout: BARs 2-5 size 0, memory region 9 (NVIDIA type) mmap-only, firmware region 10")
    void nv_6_4_region_layout() throws Exception {
        gh200(GpuOptions.defaults().withLayout(RegionLayout.REGION));
        assertThat(client.deviceInfo().numRegions()).isEqualTo(11);
        for (int i = 2; i <= 5; i++) {
            assertThat(client.regionInfo(i).size()).as("region %d", i).isZero();
        }
        sizeBar(0x20);
        assertThat(bar64(0x20)).isZero();
        RegionInfo mem = client.regionInfo(9);
        assertThat(mem.size()).isEqualTo(SMALL);
        assertThat(mem.type().type()).isEqualTo(Vfio.REGION_TYPE_PCI_VENDOR_TYPE | 0x10de);
        assertThat(mem.type().subtype()).isEqualTo(DeviceRegions.SUBTYPE_DEVICE_MEMORY);
        assertThat(mem.flags() & (Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE))
                .isZero();
        assertErrno(22, () -> client.read(9, 0, 4));
        try (MappedMemory m = VfioUserClient.mapRegion(mem, SMALL - 4096, 4096, true)) {
            m.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        }
        RegionInfo fwInfo = client.regionInfo(10);
        assertThat(fwInfo.type().subtype()).isEqualTo(DeviceRegions.SUBTYPE_FIRMWARE_PROPERTIES);
        MemorySegment fw = MemorySegment.ofArray(client.read(10, 0, 32));
        assertThat(fw.get(LE64, 0)).isEqualTo(GpuSpec.DEFAULT_MEM_BASE_PA);
        assertThat(fw.get(LE64, 8)).isEqualTo(SMALL);
        assertThat(fw.get(LE64, 16)).isEqualTo(2);
        assertThat(fw.get(LE64, 24)).isEqualTo(8);
        assertErrno(22, () -> client.write(10, 0, new byte[8]));
    }

    @Test
    @DisplayName("several devices in one server process, each on its own socket, with separate memory")
    void two_devices_two_sockets() throws Exception {
        gh200(GpuOptions.defaults());
        try (NvGraceGpuDevice other = DeviceProfiles.createGpu(
                        GpuProfile.GB200,
                        GpuOptions.defaults()
                                .withProfile("gb200")
                                .withName("gpu1")
                                .withMemorySize(GiB),
                        time,
                        time);
                VfioUserServer server2 = VfioUserServer.start(dir.resolve("s2"), other, ServerOptions.defaults());
                VfioUserClient client2 = VfioUserClient.connect(dir.resolve("s2"))) {
            client.write(4, 0, new byte[] {1});
            client2.write(4, 0, new byte[] {2});
            assertThat(client.read(4, 0, 1)).containsExactly(1);
            assertThat(client2.read(4, 0, 1)).containsExactly(2);
            assertThat(cfg32(0) >>> 16).isEqualTo(0x2342);
            assertThat(MemorySegment.ofArray(client2.read(CFG, 0, 4)).get(LE32, 0) >>> 16)
                    .isEqualTo(0x2941);
        } finally {
            Files.deleteIfExists(dir.resolve("s2"));
        }
    }
}
