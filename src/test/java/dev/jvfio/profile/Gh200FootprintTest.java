package dev.jvfio.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.bench.ChildJvm;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.procfs.ResidentMemory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A full-size 96 GiB gh200 served from a separate process: the client maps BAR4 and touches pages
 * far apart, bytes cross between the mapping and REGION_READ/REGION_WRITE, and the server's resident
 * memory stays under 128 MiB because device memory is a sparse memfd.
 */
class Gh200FootprintTest {
    static final long GiB = 1L << 30;
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    @DisplayName("NV-5.1 96 GiB gh200: server RSS < 128 MiB after the client mapped BAR4 and touched far-apart pages")
    void footprint_96g() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        Path socket = dir.resolve("gpu.sock");
        Process server = ChildJvm.builder(
                        List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                        GpuServerProcess.class,
                        socket.toString(),
                        "gh200")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertThat(ready).startsWith("READY");
            try (VfioUserClient client = VfioUserClient.connect(socket)) {
                RegionInfo bar4 = client.regionInfo(4);
                assertThat(bar4.size()).isEqualTo(128 * GiB);
                SparseArea area = bar4.sparseAreas().getFirst();
                assertThat(area).isEqualTo(new SparseArea(0, 95 * GiB));
                try (MappedMemory map = VfioUserClient.mapRegion(bar4, 0, area.size(), true)) {
                    MemorySegment mem = map.segment();
                    List<Long> offsets = new ArrayList<>();
                    for (long at = 4096; at < area.size(); at += 7 * GiB + 12345 * 8) {
                        offsets.add(at);
                    }
                    offsets.add(area.size() - 8);
                    // mapping -> REGION_READ
                    for (long at : offsets) {
                        mem.set(LE64, at, ~at);
                    }
                    for (long at : offsets) {
                        long got = MemorySegment.ofArray(client.read(4, at, 8)).get(LE64, 0);
                        assertThat(got).as("REGION_READ at 0x%x", at).isEqualTo(~at);
                    }
                    // REGION_WRITE -> mapping
                    for (long at : offsets) {
                        byte[] b = new byte[8];
                        MemorySegment.ofArray(b).set(LE64, 0, at * 3);
                        assertThat(client.write(4, at + 4096, b)).isEqualTo(8);
                    }
                    for (long at : offsets) {
                        if (at + 4096 + 8 <= area.size()) {
                            assertThat(mem.get(LE64, at + 4096))
                                    .as("mapping at 0x%x", at + 4096)
                                    .isEqualTo(at * 3);
                        }
                    }
                    long rss = ResidentMemory.bytes(server.pid());
                    System.out.println("gh200 96 GiB server RSS: " + (rss >> 20) + " MiB");
                    assertThat(rss).as("server RSS").isPositive().isLessThan(128L << 20);
                }
            }
        } finally {
            server.getOutputStream().close();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
