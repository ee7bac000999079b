package dev.jvfio.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.Errno;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.fuzz.MessageGenerator;
import dev.jvfio.fuzz.RawSession;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.procfs.OpenFiles;
import dev.jvfio.procfs.ResidentMemory;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DeviceInfoMessage;
import dev.jvfio.protocol.DmaMapMessage;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.RegionAccessMessage;
import dev.jvfio.protocol.SetIrqsMessage;
import dev.jvfio.server.RamDevice;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.io.EOFException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Limits a hostile client runs into: messages over the negotiated size, more fds than
 * max_msg_fds (every received fd closed), DMA maps over the configured cap, and a client that
 * stops reading its replies, which must neither block another device's session nor make the
 * server buffer without bound. Two devices (a RAM test device with small limits, a GPU with the
 * defaults), each on its own server, in this process.
 */
class LimitsTest {
    static final int MAX_XFER = 4096;
    static final int MAX_FDS = 2;
    static final int MAX_MAPS = 3;

    Path dir;
    RamDevice a;
    VfioDevice b;
    VfioUserServer serverA;
    VfioUserServer serverB;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        a = new RamDevice();
        b = DeviceProfiles.create(GpuOptions.defaults().withMemorySize((2L << 30) + (768L << 20)));
        ServerOptions small = ServerOptions.defaults()
                .withListener(ServerListener.NONE)
                .withMaxDataXferSize(MAX_XFER)
                .withMaxMsgFds(MAX_FDS)
                .withMaxDmaMaps(MAX_MAPS);
        serverA = VfioUserServer.start(dir.resolve("a"), a, small);
        serverB = VfioUserServer.start(
                dir.resolve("b"), b, ServerOptions.defaults().withListener(ServerListener.NONE));
    }

    @AfterEach
    void stop() throws Exception {
        serverA.close();
        serverB.close();
        a.close();
        b.close();
        Files.deleteIfExists(dir.resolve("a"));
        Files.deleteIfExists(dir.resolve("b"));
        Files.deleteIfExists(dir);
    }

    @Test
    @DisplayName("VU-3.3 VU-5.1 messages over the negotiated max_data_xfer_size get E2BIG and the session goes on; "
            + "a size beyond any drain limit ends only that session")
    void vu_5_1_messages_over_the_negotiated_size() throws Exception {
        try (RawSession s = RawSession.attach(serverA.socketPath(), Duration.ofSeconds(10))) {
            assertThat(s.serverCapabilities().maxDataXferSize()).isEqualTo(MAX_XFER);
            // count one above the limit, data present: decoded and refused
            assertThat(errno(s, write(1, 0, MAX_XFER + 1, MAX_XFER + 1))).isEqualTo(Errno.E2BIG);
            // a read of one above the limit
            byte[] read = new byte[RegionAccessMessage.SIZE];
            RegionAccessMessage.encodeReadRequest(MemorySegment.ofArray(read), 2, 0, 0, MAX_XFER + 1);
            assertThat(errno(s, read)).isEqualTo(Errno.E2BIG);
            // a message far larger than the receive buffer: drained and refused
            assertThat(errno(s, write(3, 0, 64 * 1024, 64 * 1024))).isEqualTo(Errno.E2BIG);
            // exactly at the limit still works
            assertThat(errno(s, write(4, 0, MAX_XFER, MAX_XFER))).isZero();
            assertThat(sync(s, 5)).isTrue();
        }
        // a header that claims more than any drain limit: an error reply, then a clean close
        try (RawSession s = RawSession.attach(serverA.socketPath(), Duration.ofSeconds(10))) {
            byte[] h = MessageGenerator.withHeader(6, Command.REGION_WRITE, 0, 0, new byte[0]);
            ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0xFFFF_FFF0);
            s.send(h, List.of());
            MemorySegment reply = s.receive();
            assertThat(Header.isError(reply)).isTrue();
            assertThat(Header.error(reply)).isEqualTo(Errno.E2BIG);
            Assertions.assertThatThrownBy(s::receive).isInstanceOf(EOFException.class);
        }
        try (VfioUserClient c = connect(serverA)) {
            assertThat(c.deviceInfo()).isEqualTo(a.info());
        }
    }

    @Test
    @DisplayName("VU-3.3 more fds than max_msg_fds: EINVAL and every received fd is closed, on any command")
    void vu_3_3_more_fds_than_max_msg_fds_are_all_closed() throws Exception {
        List<AutoCloseable> mine = new ArrayList<>();
        List<Fd> eventfds = new ArrayList<>();
        List<Fd> memfds = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            EventFd e = EventFd.create();
            mine.add(e);
            eventfds.add(e.fd());
            Fd m = Memfd.create("limits", 1 << 16);
            mine.add(m);
            memfds.add(m);
        }
        try (RawSession s = RawSession.attach(serverA.socketPath(), Duration.ofSeconds(10))) {
            assertThat(sync(s, 1)).isTrue();
            int before = OpenFiles.count();
            byte[] map = new byte[DmaMapMessage.SIZE];
            DmaMapMessage.encode(MemorySegment.ofArray(map), 2, 3, 0, 0x10000, 0x10000);
            s.send(map, memfds);
            assertThat(reply(s)).isEqualTo(Errno.EINVAL);
            byte[] irqs = new byte[SetIrqsMessage.SIZE];
            SetIrqsMessage.encode(
                    MemorySegment.ofArray(irqs),
                    3,
                    Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER,
                    Vfio.PCI_MSIX_IRQ_INDEX,
                    0,
                    4,
                    null);
            s.send(irqs, eventfds.subList(0, 4));
            assertThat(reply(s)).isEqualTo(Errno.EINVAL);
            byte[] info = new byte[DeviceInfoMessage.SIZE];
            DeviceInfoMessage.encodeRequest(MemorySegment.ofArray(info), 4);
            s.send(info, List.of(eventfds.get(5)));
            assertThat(reply(s)).as("fds on a command that takes none").isEqualTo(Errno.EINVAL);
            assertThat(a.eventfdsHeld()).isZero();
            assertThat(serverA.dmaWindows()).isZero();
            assertThat(OpenFiles.count())
                    .as("fds the server received are all closed")
                    .isEqualTo(before);
            assertThat(sync(s, 5)).isTrue();
        } finally {
            for (AutoCloseable c : mine) {
                c.close();
            }
        }
    }

    @Test
    @DisplayName("VU-3.3 VU-6.1 DMA maps over the configured max_dma_maps get ENOSPC; unmapping makes room again")
    void vu_6_1_dma_maps_over_the_cap() throws Exception {
        try (Fd memfd = Memfd.create("limits-dma", 1 << 20);
                VfioUserClient c = connect(serverA)) {
            assertThat(c.serverCapabilities().maxDmaMaps()).isEqualTo(MAX_MAPS);
            for (int i = 0; i < MAX_MAPS; i++) {
                c.dmaMap(memfd, 0, (long) (i + 1) << 20, 4096, true, true);
            }
            Assertions.assertThatThrownBy(() -> c.dmaMap(memfd, 0, 64L << 20, 4096, true, true))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC));
            Assertions.assertThatThrownBy(() -> c.dmaMap(null, 0, 65L << 20, 4096, true, true))
                    .as("maps without an fd count too")
                    .isInstanceOf(VfioUserException.class);
            assertThat(serverA.dmaWindows()).isEqualTo(MAX_MAPS);
            c.dmaUnmap(1L << 20, 4096);
            c.dmaMap(memfd, 0, 64L << 20, 4096, true, true);
            assertThat(serverA.dmaWindows()).isEqualTo(MAX_MAPS);
        }
    }

    @Test
    @DisplayName("VU-2.3 a client that stops reading its replies blocks only its own session: the other device is "
            + "served, the server does not buffer the replies, and the device takes a new client afterwards")
    void vu_2_3_slow_client_cannot_block_others_or_exhaust_memory() throws Exception {
        long rssBefore = ResidentMemory.selfBytes();
        long requested = 0;
        try (RawSession slow = RawSession.attach(serverB.socketPath(), Duration.ofSeconds(10))) {
            // 1 MiB replies nobody reads; the requests are small, so they keep fitting in the socket
            int max = (int) slow.serverCapabilities().maxDataXferSize();
            byte[] read = new byte[RegionAccessMessage.SIZE];
            for (int i = 0; i < 256; i++) {
                RegionAccessMessage.encodeReadRequest(
                        MemorySegment.ofArray(read), i, 0, Vfio.PCI_BAR4_REGION_INDEX, max);
                slow.send(read, List.of());
                requested += max;
            }
            // the other device keeps working, round trip after round trip
            try (VfioUserClient other = connect(serverA)) {
                for (int i = 0; i < 200; i++) {
                    byte[] data = {(byte) i, 2, 3, 4};
                    other.write(Vfio.PCI_CONFIG_REGION_INDEX, 0x40, data);
                    assertThat(other.read(Vfio.PCI_CONFIG_REGION_INDEX, 0x40, 4))
                            .isEqualTo(data);
                }
            }
            assertThat(serverB.clientAttached())
                    .as("the slow session is still there, just blocked")
                    .isTrue();
            long growth = ResidentMemory.selfBytes() - rssBefore;
            assertThat(growth)
                    .as("resident memory growth while %d bytes of replies wait unread", requested)
                    .isLessThan(requested / 2);
        }
        // the blocked session ends when its client goes; a new client is served
        try (VfioUserClient c = connect(serverB)) {
            assertThat(c.deviceInfo()).isEqualTo(b.info());
        }
    }

    static VfioUserClient connect(VfioUserServer s) throws Exception {
        return Reconnect.whenFree(s.socketPath());
    }

    /** A REGION_WRITE to region 0 claiming count bytes and carrying data bytes. */
    static byte[] write(int id, long offset, int count, int data) {
        byte[] m = new byte[RegionAccessMessage.SIZE + data];
        RegionAccessMessage.encodeWriteRequest(MemorySegment.ofArray(m), id, offset, 0, count, false);
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(4, m.length);
        return m;
    }

    static int errno(RawSession s, byte[] m) throws Exception {
        s.send(m, List.of());
        return reply(s);
    }

    static int reply(RawSession s) throws Exception {
        MemorySegment r = s.receive();
        return Header.isError(r) ? Header.error(r) : 0;
    }

    static boolean sync(RawSession s, int id) throws Exception {
        byte[] m = new byte[DeviceInfoMessage.SIZE];
        DeviceInfoMessage.encodeRequest(MemorySegment.ofArray(m), id);
        s.send(m, List.of());
        MemorySegment r = s.receive();
        return Header.id(r) == id && !Header.isError(r);
    }
}
