package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.RawMessage;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
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
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The nvgrace variant as a VMM meets it: served by {@link VfioUserServer} over a real UNIX socket and
 * driven by the Java {@link VfioUserClient}. Small sparse memories; an injected clock for readiness.
 */
class NvGraceSocketTest {
    static final long MiB = 1L << 20;
    static final long GiB = 1L << 30;
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final int CFG = Vfio.PCI_CONFIG_REGION_INDEX;
    /** usemem 1.5 GiB in a 2 GiB BAR4, resmem 1.25 GiB in a 2 GiB BAR2. */
    static final long SMALL = 2 * GiB + 768 * MiB;
    static final long USE_LEN = 1536 * MiB;
    static final long RES_LEN = 1280 * MiB;

    final FakeTime time = new FakeTime();
    Path dir;
    NvGraceGpuDevice dev;
    VfioUserServer server;
    VfioUserClient client;

    @BeforeEach
    void dir() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
    }

    @AfterEach
    void stop() throws Exception {
        closeAll();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    void closeAll() {
        if (client != null) {
            client.close();
            client = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
        if (dev != null) {
            dev.close();
            dev = null;
        }
    }

    void serve(GpuProfile p, GpuOptions o) throws Exception {
        closeAll();
        dev = DeviceProfiles.createGpu(p, o.withProfile(p.profileName()), time, time);
        server = VfioUserServer.start(dir.resolve("s"), dev, ServerOptions.defaults());
        client = VfioUserClient.connect(dir.resolve("s"));
    }

    void gh200(GpuOptions o) throws Exception {
        serve(GpuProfile.GH200, o.withMemorySize(SMALL));
    }

    void reconnect() throws Exception {
        client.close();
        for (int i = 0; i < 3000 && server.clientAttached(); i++) { // up to 30 s on a loaded machine
            Thread.sleep(10);
        }
        client = VfioUserClient.connect(dir.resolve("s"));
    }

    int cfg32(int off) throws Exception {
        return MemorySegment.ofArray(client.read(CFG, off, 4)).get(LE32, 0);
    }

    int cfgWrite32(int off, int v) throws Exception {
        byte[] b = new byte[4];
        MemorySegment.ofArray(b).set(LE32, 0, v);
        return client.write(CFG, off, b);
    }

    long bar64(int off) throws Exception {
        return MemorySegment.ofArray(client.read(CFG, off, 8)).get(LE64, 0);
    }

    void sizeBar(int off) throws Exception {
        cfgWrite32(off, -1);
        cfgWrite32(off + 4, -1);
    }

    void memoryEnable(boolean on) throws Exception {
        byte[] cmd = client.read(CFG, 4, 2);
        cmd[0] = (byte) (on ? cmd[0] | 2 : cmd[0] & ~2);
        client.write(CFG, 4, cmd);
    }

    void flr() throws Exception {
        int exp = dev.core().capabilities().find(0x10).orElseThrow();
        byte[] ctl = client.read(CFG, exp + 8, 2);
        ctl[1] |= (byte) 0x80;
        client.write(CFG, exp + 8, ctl);
    }

    int readInto(int region, long off, byte[] out) throws Exception {
        return client.read(region, off, MemorySegment.ofArray(out));
    }

    static void assertErrno(int errno, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }

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
        assertThat(MemorySegment.ofArray(client.read(0, 0x1498, 4)).get(LE32, 0)).isEqualTo(0xFF);
        assertThat(MemorySegment.ofArray(client.read(0, 0x200BC, 4)).get(LE32, 0)).isEqualTo(0xFF);
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
        serve(GpuProfile.GH200, GpuOptions.defaults().withMemorySize(GiB + GiB + 512 * MiB).withCarveRule(CarveRule.LINUX_6_9));
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
        java.util.Arrays.fill(eight, (byte) 0xFF);
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
        assertThat(client.write(4, USE_LEN - 4, new byte[] {1, 2, 3, 4, 5, 6, 7, 8})).isEqualTo(8);
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
        assertThat(RegionInfos.mmapCheck(use, area.offset(), area.size() + 4096)).isEqualTo(22);
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
            assertThat(MemorySegment.ofArray(client.read(4, USE_LEN - 8, 8)).get(LE64, 0)).isEqualTo(0x0123_4567_89AB_CDEFL);
            client.write(2, 16, new byte[] {1, 2, 3});
            assertThat(res.segment().get(ValueLayout.JAVA_BYTE, 17)).isEqualTo((byte) 2);
            assertThat(client.read(4, USE_LEN, 1)).as("resmem does not leak into BAR4's padding").containsExactly(-1);
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
        gh200(GpuOptions.defaults().withPolicy(MemoryEnablePolicy.HARDWARE).withNotReadyAfterReset(Duration.ofSeconds(3)));
        memoryEnable(true);
        client.write(4, 64, new byte[] {11});
        client.reset();
        assertThat(client.read(4, 64, 1)).as("decode off after reset: all ones, no EIO").containsExactly(-1);
        memoryEnable(true);
        assertThat(client.read(4, 64, 1)).as("reset in progress: all ones").containsExactly(-1);
        assertThat(client.write(4, 64, new byte[] {12})).isEqualTo(1);
        time.advance(Duration.ofSeconds(3));
        assertThat(client.read(4, 64, 1)).as("ready: the old content, the write was dropped").containsExactly(11);
        assertThat(dev.readiness().resetPending()).isFalse();
    }

    @Test
    @DisplayName("NV-6.1 / NV-6.3 policy strict: EIO from the real command register (also right after reset), no mmap areas")
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
        assertThat(mem.flags() & (Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE)).isZero();
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
        try (NvGraceGpuDevice other = DeviceProfiles.createGpu(GpuProfile.GB200,
                GpuOptions.defaults().withProfile("gb200").withName("gpu1").withMemorySize(GiB), time, time);
             VfioUserServer server2 = VfioUserServer.start(dir.resolve("s2"), other, ServerOptions.defaults());
             VfioUserClient client2 = VfioUserClient.connect(dir.resolve("s2"))) {
            client.write(4, 0, new byte[] {1});
            client2.write(4, 0, new byte[] {2});
            assertThat(client.read(4, 0, 1)).containsExactly(1);
            assertThat(client2.read(4, 0, 1)).containsExactly(2);
            assertThat(cfg32(0) >>> 16).isEqualTo(0x2342);
            assertThat(MemorySegment.ofArray(client2.read(CFG, 0, 4)).get(LE32, 0) >>> 16).isEqualTo(0x2941);
        } finally {
            Files.deleteIfExists(dir.resolve("s2"));
        }
    }
}
