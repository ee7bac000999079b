package dev.jvfio.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.bench.ChildJvm;
import dev.jvfio.client.HandshakeException;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.procfs.OpenFiles;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import dev.jvfio.transport.PeerCredentials;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Client processes killed with SIGKILL at random points, 200 sessions in all: each child JVM
 * attaches to every device of a multi-device server in this JVM and drives each session to its
 * own random point (see {@link CrashClient}) before it is killed; every other child is killed at
 * a random moment while it is still connecting and driving its sessions. After every kill: each device
 * takes a new client that works, the server's open fds and its mappings of the clients' DMA
 * memfds are back at baseline, and a checksum of the device memory written before (and targeted
 * by the cut-off writes) is unchanged.
 */
class CrashTest {
    static final long MEMORY = (2L << 30) + (768L << 20);
    static final int DEVICES = 8;
    /** Sessions to kill; a child killed at its points takes 8 down, one killed at a random moment 0..8. */
    static final int KILLS = 200;

    static final int MAX_CHILDREN = 80;
    static final long SEED = Seeds.of(0xC2A5L);

    final List<String> internalErrors = new CopyOnWriteArrayList<>();
    final AtomicInteger sessionsStarted = new AtomicInteger();

    @Test
    @DisplayName("VU-1.4 200 client sessions killed (SIGKILL) mid-header, mid-payload, holding DMA maps and IRQ "
            + "fds: every device takes a new client, fds and mappings return to baseline, memory unchanged")
    void vu_1_4_killed_clients_leave_nothing_behind() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvcrash");
        List<VfioDevice> devices = new ArrayList<>();
        List<VfioUserServer> servers = new ArrayList<>();
        List<MappedMemory> guarded = new ArrayList<>();
        ServerOptions options = ServerOptions.defaults().withListener(new ServerListener() {
            @Override
            public void connected(PeerCredentials peer) {
                sessionsStarted.incrementAndGet();
            }

            @Override
            public void disconnected(PeerCredentials peer, String reason) {
                if (reason.startsWith("internal error")) {
                    internalErrors.add(reason);
                }
            }

            @Override
            public void error(String message) {
                if (message.contains("device threw") || message.contains("detach failed")) {
                    internalErrors.add(message);
                }
            }
        });
        Random r = new Random(SEED);
        Process next = null;
        try {
            long[] checksums = new long[DEVICES];
            List<String> sockets = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                VfioDevice d = DeviceProfiles.create(
                        GpuOptions.defaults().withMemorySize(MEMORY).withName("crash" + i));
                devices.add(d);
                servers.add(VfioUserServer.start(dir.resolve("d" + i + ".sock"), d, options));
                sockets.add(dir.resolve("d" + i + ".sock").toString());
                // the guarded window: written once, checksummed after every kill
                try (VfioUserClient c = VfioUserClient.connect(servers.get(i).socketPath())) {
                    c.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, new byte[] {2}); // memory decode on
                    byte[] pattern = new byte[(int) CrashClient.GUARDED];
                    r.nextBytes(pattern);
                    for (int at = 0; at < pattern.length; at += 1 << 16) {
                        c.write(Vfio.PCI_BAR4_REGION_INDEX, at, Arrays.copyOfRange(pattern, at, at + (1 << 16)));
                    }
                }
                RegionInfo bar4 = d.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
                guarded.add(MappedMemory.map(bar4.file().fd(), bar4.file().fileOffset(), CrashClient.GUARDED, false));
                checksums[i] = crc(guarded.get(i));
            }
            awaitIdle(servers);
            int baselineFds = -1;
            int baselineMaps = -1;
            int kills = 0;
            Process current = spawn(sockets);
            int child;
            int randomMoment = 0;
            for (child = 0; child <= MAX_CHILDREN && kills < KILLS; child++) {
                long childSeed = r.nextLong();
                int started = sessionsStarted.get();
                String points;
                if (child % 2 == 1) {
                    // killed at a random moment while it attaches and drives its sessions
                    int delay = 50 + r.nextInt(450);
                    start(current, childSeed);
                    Thread.sleep(delay);
                    points = "a random moment (" + delay + " ms after go)";
                } else {
                    points = go(current, childSeed);
                }
                next = spawn(sockets); // boots while we kill and check
                current.destroyForcibly(); // SIGKILL
                current.waitFor();
                closeStreams(current);
                String where = "seed " + SEED + " child " + child + " (seed " + childSeed + ") at " + points;
                awaitIdle(servers);
                int killed = sessionsStarted.get() - started;
                for (VfioUserServer s : servers) {
                    newClientWorks(s, where);
                }
                awaitIdle(servers);
                for (int i = 0; i < DEVICES; i++) {
                    assertThat(crc(guarded.get(i)))
                            .as(where + ": device memory of crash" + i + " changed")
                            .isEqualTo(checksums[i]);
                }
                int fds = settledFds(baselineFds);
                int maps = dmaMappings();
                randomMoment += child % 2 == 1 && child > 0 ? killed : 0;
                if (child == 0) {
                    // the first kill warms everything up; its state is the baseline for the next 200
                    baselineFds = fds;
                    baselineMaps = maps;
                    System.out.printf(
                            "crash test: baseline %d open fds, %d client DMA mappings, %d mappings in all%n",
                            fds, maps, totalMappings());
                } else {
                    kills += killed;
                    assertThat(fds).as(where + ": server open fds").isEqualTo(baselineFds);
                    assertThat(maps)
                            .as(where + ": client DMA mappings in the server")
                            .isEqualTo(baselineMaps);
                }
                assertThat(internalErrors).as(where).isEmpty();
                current = next;
                next = null;
            }
            next = current;
            System.out.printf(
                    "crash test: %d sessions killed in %d child JVMs (%d of them at a random moment); after: "
                            + "%d open fds, %d client DMA mappings, %d mappings in all; seed %d%n",
                    kills, child - 1, randomMoment, OpenFiles.count(), dmaMappings(), totalMappings(), SEED);
            assertThat(kills)
                    .as("sessions killed in %d children, seed %d", child - 1, SEED)
                    .isGreaterThanOrEqualTo(KILLS);
        } finally {
            if (next != null) {
                next.destroyForcibly();
                next.waitFor();
                closeStreams(next);
            }
            guarded.forEach(MappedMemory::close);
            servers.forEach(VfioUserServer::close);
            devices.forEach(VfioDevice::close);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    static Process spawn(List<String> sockets) throws IOException {
        List<String> cmd = ChildJvm.command(
                CrashClient.class.getName(),
                sockets,
                List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m"),
                false);
        return new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** Tells the booted child to attack; returns the points it reached. */
    static String go(Process p, long seed) throws IOException {
        start(p, seed);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line)
                .as("child with seed " + seed + " reached its kill points")
                .startsWith("ready");
        return line.substring("ready ".length());
    }

    static void start(Process p, long seed) throws IOException {
        OutputStream in = p.getOutputStream();
        in.write(("go " + seed + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    static void closeStreams(Process p) throws IOException {
        p.getOutputStream().close();
        p.getInputStream().close();
        p.getErrorStream().close();
    }

    static void newClientWorks(VfioUserServer s, String where) throws Exception {
        VfioUserClient client;
        try {
            client = Reconnect.whenFree(s.socketPath()); // the dead client's session may still be closing
        } catch (HandshakeException e) {
            throw new AssertionError(where + ": a new client cannot attach to " + s.socketPath(), e);
        }
        try (VfioUserClient c = client) {
            assertThat(c.deviceInfo().numRegions()).as(where).isGreaterThanOrEqualTo(Vfio.PCI_NUM_REGIONS);
            byte[] data = {1, 2, 3, 4, 5, 6, 7, 8};
            c.write(Vfio.PCI_BAR4_REGION_INDEX, CrashClient.SCRATCH + 64, data);
            assertThat(c.read(Vfio.PCI_BAR4_REGION_INDEX, CrashClient.SCRATCH + 64, 8))
                    .as(where)
                    .isEqualTo(data);
        }
    }

    static void awaitIdle(List<VfioUserServer> servers) throws InterruptedException {
        for (VfioUserServer s : servers) {
            for (int i = 0; i < 2000 && s.clientAttached(); i++) {
                Thread.sleep(5);
            }
            assertThat(s.clientAttached())
                    .as("session of " + s.socketPath() + " ended")
                    .isFalse();
        }
    }

    /** The open fd count, given a moment to settle on the baseline (a closing thread may lag). */
    static int settledFds(int baseline) throws InterruptedException {
        int n = OpenFiles.count();
        for (int i = 0; i < 1000 && baseline >= 0 && n != baseline; i++) { // up to 10 s on a loaded machine
            Thread.sleep(10);
            n = OpenFiles.count();
        }
        return n;
    }

    static int dmaMappings() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return (int) lines.filter(l -> l.contains("memfd:crash-dma")).count();
        }
    }

    static int totalMappings() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return (int) lines.count();
        }
    }

    static long crc(MappedMemory m) {
        CRC32 crc = new CRC32();
        crc.update(m.segment().asByteBuffer());
        return crc.getValue();
    }
}
