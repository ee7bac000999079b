package dev.jvfio.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.ServeChild;
import dev.jvfio.client.HandshakeException;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.MappedMemory;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Device memory in a {@code --backing-file} survives the server byte for byte: a clean restart
 * (SIGTERM) and a SIGKILL of the {@code jvfio serve} process. Written through trapped REGION_WRITEs
 * to BAR4 and BAR2 (at the start and at the end of each memory slice) and through the client's own
 * mmap of the BAR4 fd; a range never written must still read as zeros.
 */
class DataSafetyTest {
    static final String MEM_SIZE = "2816M"; // 2 GiB + 768 MiB: both BAR2 and BAR4 exist

    /** A written range: region, offset, bytes. */
    record Range(int region, long offset, int length) {}

    @Test
    @DisplayName("NV-4.1 device memory in a backing file survives a server restart and a SIGKILL of the server")
    void backing_file_survives_restart_and_sigkill() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvsafe");
        Path socket = dir.resolve("gpu.sock");
        Path backing = dir.resolve("gpu.mem");
        long seed = Seeds.of(0xDA7AL);
        Random r = new Random(seed);
        Process server = null;
        try {
            server = serve(socket, backing, dir);
            Map<Range, byte[]> written;
            List<Range> untouched = new ArrayList<>();
            try (VfioUserClient c = connect(socket)) {
                written = writePattern(c, r, untouched);
            }
            stop(server, false);
            server = serve(socket, backing, dir);
            try (VfioUserClient c = connect(socket)) {
                check(c, written, untouched, "seed " + seed + ", after a restart (SIGTERM)");
                written = writePattern(c, r, untouched);
            }
            stop(server, true); // SIGKILL: no shutdown hook, no unmap, nothing flushed by us
            server = serve(socket, backing, dir);
            try (VfioUserClient c = connect(socket)) {
                check(c, written, untouched, "seed " + seed + ", after a SIGKILL of the server");
            }
            assertThat(Files.size(backing)).isEqualTo((2L << 30) + (768L << 20));
        } finally {
            if (server != null) {
                stop(server, true);
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static Map<Range, byte[]> writePattern(VfioUserClient c, Random r, List<Range> untouched) throws Exception {
        c.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, new byte[] {2}); // memory decode on (any policy)
        RegionInfo bar4 = c.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
        RegionInfo bar2 = c.regionInfo(Vfio.PCI_BAR2_REGION_INDEX);
        long useLen = bar4.sparseAreas().getFirst().size();
        long resLen = bar2.sparseAreas().getFirst().size();
        Map<Range, byte[]> ranges = new LinkedHashMap<>();
        ranges.put(new Range(4, 0, 256 << 10), null);
        ranges.put(new Range(4, useLen - (64 << 10), 64 << 10), null);
        ranges.put(new Range(4, (64L << 20) + 13, 4099), null);
        ranges.put(new Range(2, 0, 64 << 10), null);
        ranges.put(new Range(2, resLen - 4096, 4096), null);
        for (Range g : ranges.keySet()) {
            byte[] data = new byte[g.length()];
            r.nextBytes(data);
            for (int at = 0; at < data.length; at += 1 << 16) {
                c.write(
                        g.region(),
                        g.offset() + at,
                        Arrays.copyOfRange(data, at, Math.min(data.length, at + (1 << 16))));
            }
            ranges.put(g, data);
        }
        // through the client's own mapping of the region fd (the zero-copy path a VMM uses)
        Range mapped = new Range(4, 1L << 20, 64 << 10);
        byte[] data = new byte[mapped.length()];
        r.nextBytes(data);
        try (MappedMemory m = VfioUserClient.mapRegion(bar4, mapped.offset(), mapped.length(), true)) {
            MemorySegment.copy(data, 0, m.segment(), ValueLayout.JAVA_BYTE, 0, data.length);
        }
        ranges.put(mapped, data);
        untouched.clear();
        untouched.add(new Range(4, 512 << 10, 64 << 10));
        untouched.add(new Range(2, 1 << 20, 4096));
        return ranges;
    }

    private static void check(VfioUserClient c, Map<Range, byte[]> written, List<Range> untouched, String when)
            throws Exception {
        for (Map.Entry<Range, byte[]> e : written.entrySet()) {
            Range g = e.getKey();
            byte[] back = new byte[g.length()];
            for (int at = 0; at < back.length; at += 1 << 16) {
                int n = Math.min(back.length - at, 1 << 16);
                System.arraycopy(c.read(g.region(), g.offset() + at, n), 0, back, at, n);
            }
            int bad = Arrays.mismatch(back, e.getValue());
            assertThat(bad)
                    .as("%s: BAR%d byte 0x%x differs", when, g.region(), g.offset() + Math.max(bad, 0))
                    .isEqualTo(-1);
        }
        for (Range g : untouched) {
            assertThat(c.read(g.region(), g.offset(), g.length()))
                    .as(when + ": never written")
                    .containsOnly((byte) 0);
        }
    }

    static Process serve(Path socket, Path backing, Path dir) throws Exception {
        return ServeChild.serveUntilReady(
                dir.resolve("serve.log"),
                List.of(),
                "--socket",
                socket.toString(),
                "--backing-file",
                backing.toString(),
                "--mem-size",
                MEM_SIZE);
    }

    static void stop(Process p, boolean kill) throws Exception {
        if (kill) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("serve stopped").isTrue();
        if (!kill) {
            assertThat(p.exitValue()).as("serve exit code after SIGTERM").isIn(0, 143);
        }
    }

    static VfioUserClient connect(Path socket) throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                return VfioUserClient.connect(socket);
            } catch (HandshakeException e) {
                if (attempt > 1000) {
                    throw e;
                }
                Thread.sleep(5);
            }
        }
    }
}
