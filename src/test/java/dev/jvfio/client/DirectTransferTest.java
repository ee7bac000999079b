package dev.jvfio.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.Seeds;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.nvgrace.MemoryEnablePolicy;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Large REGION_READ/WRITE with native segments move data between the socket and the caller's
 * memory directly; the bytes, the counts and error replies must be exactly as through the buffers.
 */
@Timeout(60)
class DirectTransferTest {
    static final long MiB = 1L << 20;
    Path dir;
    VfioDevice device;
    VfioUserServer server;
    VfioUserClient client;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        device =
                DeviceProfiles.create(GpuOptions.defaults().withProfile("gh200").withMemorySize(4L << 30));
        server = VfioUserServer.start(dir.resolve("s"), device, ServerOptions.defaults());
        client = VfioUserClient.connect(dir.resolve("s"));
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
            server.close();
            device.close();
            Files.deleteIfExists(dir.resolve("s"));
            Files.deleteIfExists(dir);
            client = null;
        }
    }

    @Test
    void largeNativeWritesAndReadsRoundTripEveryByte() throws Exception {
        long seed = Seeds.of(0xD12EL);
        Random random = new Random(seed);
        int bar = Vfio.PCI_BAR4_REGION_INDEX;
        try (Arena arena = Arena.ofConfined()) {
            for (int size : new int[] {64 * 1024, 256 * 1024 + 8, (int) MiB}) {
                byte[] pattern = new byte[size];
                random.nextBytes(pattern);
                MemorySegment src = arena.allocate(size);
                src.copyFrom(MemorySegment.ofArray(pattern));
                long offset = random.nextInt(1 << 20) * 8L;
                assertThat(client.write(bar, offset, src)).as("seed %d", seed).isEqualTo(size);
                MemorySegment dst = arena.allocate(size);
                assertThat(client.read(bar, offset, dst)).isEqualTo(size);
                assertThat(dst.toArray(ValueLayout.JAVA_BYTE))
                        .as("seed %d size %d", seed, size)
                        .isEqualTo(pattern);
                // and the buffered path (heap segments) sees the same bytes
                assertThat(client.read(bar, offset, size)).isEqualTo(pattern);
            }
        }
    }

    @Test
    @DisplayName(
            "NV-4.1 a large read straddling the end of device memory: memory, then all ones (not the zero-copy path)")
    void nv_4_1_largeReadAcrossTheEndOfMemoryReadsOnesBeyondIt() throws Exception {
        long memoryEnd = 3L << 30; // 4 GiB gh200: usemem is 3 GiB in a 4 GiB BAR4
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pattern = arena.allocate(512 * 1024);
            pattern.fill((byte) 0x3C);
            client.write(Vfio.PCI_BAR4_REGION_INDEX, memoryEnd - pattern.byteSize(), pattern);
            MemorySegment dst = arena.allocate(MiB);
            assertThat(client.read(Vfio.PCI_BAR4_REGION_INDEX, memoryEnd - pattern.byteSize(), dst))
                    .isEqualTo((int) MiB);
            byte[] got = dst.toArray(ValueLayout.JAVA_BYTE);
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).as("byte %d", i).isEqualTo(i < pattern.byteSize() ? (byte) 0x3C : (byte) 0xFF);
            }
        }
    }

    @Test
    @DisplayName("NV-6.2 hardware policy: a large read with memory decode off reads all ones, not the memory")
    void nv_6_2_largeReadWithMemoryDisabledUnderTheHardwarePolicyReadsOnes() throws Exception {
        stop();
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        device = DeviceProfiles.create(GpuOptions.defaults()
                .withProfile("gh200")
                .withMemorySize(4L << 30)
                .withPolicy(MemoryEnablePolicy.HARDWARE));
        server = VfioUserServer.start(dir.resolve("s"), device, ServerOptions.defaults());
        client = VfioUserClient.connect(dir.resolve("s"));
        try (Arena arena = Arena.ofConfined()) {
            setMemoryEnable(true);
            MemorySegment pattern = arena.allocate(MiB);
            pattern.fill((byte) 0x11);
            assertThat(client.write(Vfio.PCI_BAR4_REGION_INDEX, 0, pattern)).isEqualTo((int) MiB);
            MemorySegment dst = arena.allocate(MiB);
            client.read(Vfio.PCI_BAR4_REGION_INDEX, 0, dst);
            assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0x11);
            setMemoryEnable(false);
            client.read(Vfio.PCI_BAR4_REGION_INDEX, 0, dst);
            assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0xFF);
        }
    }

    private void setMemoryEnable(boolean on) throws Exception {
        byte[] cmd = client.read(Vfio.PCI_CONFIG_REGION_INDEX, 4, 2);
        cmd[0] = (byte) (on ? cmd[0] | 2 : cmd[0] & ~2);
        client.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, cmd);
    }

    @Test
    void anErrorReplyToALargeReadOrWriteThrowsAndTheStreamStaysInStep() throws Exception {
        long beyond = client.regionInfo(Vfio.PCI_BAR4_REGION_INDEX).size();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment big = arena.allocate(MiB);
            assertThatThrownBy(() -> client.read(Vfio.PCI_BAR4_REGION_INDEX, beyond, big))
                    .isInstanceOf(VfioUserException.class);
            assertThatThrownBy(() -> client.write(Vfio.PCI_BAR4_REGION_INDEX, beyond, big))
                    .isInstanceOf(VfioUserException.class);
            assertThat(client.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, 4)).containsExactly(0xde, 0x10, 0x42, 0x23);
        }
    }
}
