package dev.jvfio.hardening;

import static dev.jvfio.engine.CopyEngine.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.engine.EngineDriver;
import dev.jvfio.hw.Bar0Registers;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The copy engine (docs/dma-engine.md) on a GH200 (engine at BAR0 + 0x10_0000, device memory = usemem) and a client that
 * pulls guest memory away under a copy: unmap and truncate during the copy. The server must never
 * touch a window after answering its DMA_UNMAP, must not crash on SIGBUS, and must keep serving.
 */
class CopyEngineHostileTest {
    static final long GIB = 1L << 30;
    static final long IOVA = 0x10_0000_0000L;
    static final long GUEST = 64L << 20;
    static final int CFG = Vfio.PCI_CONFIG_REGION_INDEX;

    Path dir;
    VfioDevice device;
    VfioUserServer server;
    VfioUserClient client;
    EngineDriver engine;
    Fd guestFd;
    MappedMemory guest;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        device =
                DeviceProfiles.create(GpuOptions.defaults().withProfile("gh200").withMemorySize(2 * GIB));
        server = VfioUserServer.start(dir.resolve("s"), device, ServerOptions.defaults());
        client = VfioUserClient.connect(dir.resolve("s"));
        engine = new EngineDriver(client, Bar0Registers.COPY_ENGINE);
        guestFd = Memfd.create("guest", GUEST);
        guest = MappedMemory.map(guestFd, 0, GUEST, true);
        client.dmaMap(guestFd, 0, IOVA, GUEST, true, true);
        client.write(
                CFG, PciHeader.COMMAND, new byte[] {(byte) (PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER), 0});
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
        device.close();
        guest.close();
        guestFd.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    @Test
    @DisplayName(
            "DMA-1.4 DMA-2.1 DMA-4.1 on the GH200 the engine copies guest memory into usemem (seen through BAR4) and back, MSI-X on completion")
    void gpuRoundTrip() throws Exception {
        for (long i = 0; i < (1 << 20); i += 8) {
            guest.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, i, i * 31);
        }
        List<Fd> fds = new ArrayList<>();
        List<EventFd> events = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            events.add(EventFd.create());
            fds.add(events.get(i).fd());
        }
        try {
            client.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, 0, fds);
            assertThat(engine.copy(IOVA, 0x4000, 1 << 20, CTRL_DST_DEVICE | CTRL_INTERRUPT | 5 << CTRL_VECTOR_SHIFT))
                    .isEqualTo(STATUS_DONE);
            assertThat(events.get(5).await(EngineDriver.PATIENCE)).isTrue();
            byte[] bar4 = client.read(Vfio.PCI_BAR4_REGION_INDEX, 0x4000 + 4096, 4096);
            assertThat(bar4).isEqualTo(guest.segment().asSlice(4096, 4096).toArray(ValueLayout.JAVA_BYTE));
            assertThat(engine.copy(0x4000, IOVA + (32L << 20), 1 << 20, CTRL_SRC_DEVICE))
                    .isEqualTo(STATUS_DONE);
            assertThat(guest.segment()
                            .asSlice(32L << 20, 1 << 20)
                            .mismatch(guest.segment().asSlice(0, 1 << 20)))
                    .isEqualTo(-1);
            long usemem = client.regionInfo(Vfio.PCI_BAR4_REGION_INDEX)
                    .sparseAreas()
                    .getFirst()
                    .size();
            assertThat(engine.copy(IOVA, usemem - 8, 16, CTRL_DST_DEVICE))
                    .as("past usemem")
                    .isEqualTo(STATUS_DEVICE_RANGE);
            assertThat(engine.copy(IOVA, usemem - 16, 16, CTRL_DST_DEVICE)).isEqualTo(STATUS_DONE);
            client.reset();
            client.write(CFG, PciHeader.COMMAND, new byte[] {(byte) PciHeader.COMMAND_MEMORY, 0});
            for (int reg = 0; reg < BLOCK_SIZE; reg += 4) {
                assertThat(engine.read(reg))
                        .as("register 0x%x after DEVICE_RESET", reg)
                        .isZero();
            }
        } finally {
            events.forEach(EventFd::close);
        }
    }

    /** For each 2 MiB chunk of guest memory: whether the engine wrote it (its first byte is 0). */
    boolean[] writtenChunks() {
        boolean[] w = new boolean[(int) (GUEST / CHUNK)];
        for (int i = 0; i < w.length; i++) {
            w[i] = guest.segment().get(ValueLayout.JAVA_BYTE, i * CHUNK) == 0
                    && guest.segment().get(ValueLayout.JAVA_BYTE, (i + 1) * CHUNK - 1) == 0;
        }
        return w;
    }

    @Test
    @DisplayName(
            "DMA-3.6 VU-6.2: DMA_UNMAP during a copy waits for the chunk in flight; nothing is written after its reply; 0x81 with FAULT at the first unwritten chunk")
    void unmapDuringCopy() throws Exception {
        guest.segment().fill((byte) 0xFF);
        engine.program(0, IOVA, GUEST, CTRL_SRC_DEVICE); // usemem (zeros) over the guest's 0xFF
        engine.ring();
        client.dmaUnmap(IOVA, GUEST);
        boolean[] atUnmap = writtenChunks();
        int status = engine.awaitStatus();
        assertThat(writtenChunks()).as("no write after the unmap reply").isEqualTo(atUnmap);
        int written = 0;
        while (written < atUnmap.length && atUnmap[written]) {
            written++;
        }
        boolean[] prefix = new boolean[atUnmap.length];
        Arrays.fill(prefix, 0, written, true);
        assertThat(atUnmap).as("chunks are written in order, whole").isEqualTo(prefix);
        if (written < atUnmap.length) {
            assertThat(status).isEqualTo(STATUS_NOT_MAPPED);
            assertThat(engine.read64(FAULT_LO)).isEqualTo(IOVA + written * CHUNK);
        } else {
            assertThat(status).as("the copy ended before the unmap").isEqualTo(STATUS_DONE);
        }
        assertThat(client.deviceInfo().numRegions()).as("the session goes on").isGreaterThanOrEqualTo(9);
    }

    @Test
    @DisplayName(
            "DMA-3.7 a client that truncates its memfd during a copy gets 0x81 (or a finished copy) and the server lives on")
    void truncateDuringCopy() throws Exception {
        engine.program(IOVA, 0, GUEST, CTRL_DST_DEVICE);
        engine.ring();
        try (FileChannel ch = FileChannel.open(Path.of("/proc/self/fd/" + guestFd.value()), StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
        int status = engine.awaitStatus();
        assertThat(status).isIn(STATUS_NOT_MAPPED, STATUS_DONE);
        if (status == STATUS_NOT_MAPPED) {
            long fault = engine.read64(FAULT_LO);
            assertThat(fault).isBetween(IOVA, IOVA + GUEST - 1);
        }
        client.dmaUnmap(IOVA, GUEST);
        try (Fd fresh = Memfd.create("fresh", 1 << 20)) {
            client.dmaMap(fresh, 0, IOVA, 1 << 20, true, true);
            assertThat(engine.copy(IOVA, 0, 1 << 20, CTRL_DST_DEVICE))
                    .as("the server lives on")
                    .isEqualTo(STATUS_DONE);
        }
    }

    @Test
    @DisplayName(
            "DMA-3.7 VU-1.4: a client that disconnects during a copy leaves a working server; the next client's engine works")
    void disconnectDuringCopy() throws Exception {
        engine.program(IOVA, 0, GUEST, CTRL_DST_DEVICE);
        engine.ring();
        client.close();
        client = Reconnect.whenFree(server.socketPath());
        engine = new EngineDriver(client, Bar0Registers.COPY_ENGINE);
        int status = engine.awaitStatus();
        assertThat(status).isIn(STATUS_NOT_MAPPED, STATUS_DONE);
        try (Fd fresh = Memfd.create("fresh", 1 << 20)) {
            client.dmaMap(fresh, 0, IOVA, 1 << 20, true, true);
            assertThat(engine.copy(IOVA, 0, 4096, CTRL_DST_DEVICE)).isEqualTo(STATUS_DONE);
        }
    }
}
