package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.RawMessage;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Errno;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.procfs.OpenFiles;
import dev.jvfio.protocol.Capabilities;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DmaMapMessage;
import dev.jvfio.protocol.DmaUnmapMessage;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.IrqInfoMessage;
import dev.jvfio.protocol.RegionAccessMessage;
import dev.jvfio.protocol.RegionInfoMessage;
import dev.jvfio.protocol.RegionIoFdsMessage;
import dev.jvfio.protocol.SetIrqsMessage;
import dev.jvfio.protocol.VersionMessage;
import dev.jvfio.protocol.Wire;
import dev.jvfio.protocol.WriteMultiMessage;
import dev.jvfio.transport.UnixConnection;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed requests over a real socket: each gets an errno reply (or, where the stream cannot be
 * resynchronised, a clean disconnect) and the server keeps serving.
 */
@Timeout(120)
class HostileInputTest {
    private static RamServer ram;
    private static RamDevice device;
    private static VfioUserServer server;

    @BeforeAll
    static void start() throws Exception {
        ram = RamServer.start();
        device = ram.device();
        server = ram.server();
    }

    @AfterAll
    static void stop() throws Exception {
        ram.close();
    }

    private static byte[] build(int capacity, Function<MemorySegment, Integer> encoder) {
        byte[] b = new byte[capacity];
        int n = encoder.apply(MemorySegment.ofArray(b));
        return Arrays.copyOf(b, n);
    }

    /** Replaces the header's size with the array length after cutting or padding it. */
    private static byte[] resized(byte[] msg, int size) {
        byte[] b = Arrays.copyOf(msg, size);
        Wire.putU32(MemorySegment.ofArray(b), 4, size);
        return b;
    }

    private static byte[] patched(byte[] msg, int offset, long value, int width) {
        byte[] b = msg.clone();
        MemorySegment s = MemorySegment.ofArray(b);
        switch (width) {
            case 4 -> Wire.putU32(s, offset, (int) value);
            case 8 -> Wire.putU64(s, offset, value);
            default -> throw new IllegalArgumentException();
        }
        return b;
    }

    static Stream<Arguments> malformed() {
        byte[] map = build(64, s -> DmaMapMessage.encode(s, 1, 3, 0, 0x1000, 0x1000));
        byte[] unmap = build(64, s -> DmaUnmapMessage.encode(s, 1, 0, 0x1000, 0x1000));
        byte[] region = build(64, s -> RegionInfoMessage.encodeRequest(s, 1, 0, 32));
        byte[] irq = build(64, s -> IrqInfoMessage.encodeRequest(s, 1, 0));
        byte[] setIrqs = build(
                64,
                s -> SetIrqsMessage.encode(s, 1, Vfio.IRQ_SET_DATA_NONE | Vfio.IRQ_SET_ACTION_TRIGGER, 0, 0, 1, null));
        byte[] read = build(64, s -> RegionAccessMessage.encodeReadRequest(s, 1, 0, 1, 4));
        byte[] write = build(64, s -> {
            int n = RegionAccessMessage.encodeWriteRequest(s, 1, 0, 1, 4, false);
            return n;
        });
        byte[] multi = build(256, s -> {
            WriteMultiMessage.begin(s, 1, false);
            return WriteMultiMessage.add(s, 0x10, 1, MemorySegment.ofArray(new byte[4]));
        });
        byte[] ioFds = build(64, s -> RegionIoFdsMessage.encodeRequest(s, 1, 0));
        byte[] bare = build(16, s -> {
            Header.request(s, 1, Command.DEVICE_GET_INFO, 16, false);
            return 16;
        });
        return Stream.of(
                Arguments.of("VU-6.1 DMA_MAP truncated", resized(map, 40), 0, Errno.EINVAL),
                Arguments.of("VU-6.1 DMA_MAP misaligned address", patched(map, 32, 0x1234, 8), 0, Errno.EINVAL),
                Arguments.of("VU-6.1 DMA_MAP address range wraps", patched(map, 32, -0x1000L, 8), 0, Errno.EINVAL),
                Arguments.of("VU-6.1 DMA_MAP with two fds", map, 2, Errno.EINVAL),
                Arguments.of("VU-6.1 DMA_MAP fd that is not a file", map, -1, Errno.EINVAL),
                Arguments.of("VU-6.2 DMA_UNMAP dirty bitmap", patched(unmap, 20, 1, 4), 0, Errno.ENOTSUP),
                Arguments.of("VU-6.2 DMA_UNMAP of nothing mapped", unmap, 0, Errno.EINVAL),
                Arguments.of("VU-4.1 DEVICE_GET_INFO truncated", resized(bare, 24), 0, Errno.EINVAL),
                Arguments.of("VU-4.1 DEVICE_GET_INFO with an fd", resized(bare, 32), 1, Errno.EINVAL),
                Arguments.of(
                        "VU-4.2 GET_REGION_INFO index out of range",
                        patched(region, 24, 0xFFFF_FFFFL, 4),
                        0,
                        Errno.EINVAL),
                Arguments.of(
                        "VU-4.2 GET_REGION_INFO argsz below the struct", patched(region, 16, 8, 4), 0, Errno.EINVAL),
                Arguments.of("VU-4.2 GET_REGION_INFO truncated", resized(region, 40), 0, Errno.EINVAL),
                Arguments.of("VU-4.4 GET_IRQ_INFO truncated", resized(irq, 28), 0, Errno.EINVAL),
                Arguments.of("VU-4.4 GET_IRQ_INFO index out of range", patched(irq, 24, 5, 4), 0, Errno.EINVAL),
                Arguments.of("VU-4.5 SET_IRQS two actions", patched(setIrqs, 20, 0x31, 4), 0, Errno.EINVAL),
                Arguments.of("VU-4.5 SET_IRQS count out of range", patched(setIrqs, 32, 100_000, 4), 0, Errno.EINVAL),
                Arguments.of("VU-4.5 SET_IRQS vectors beyond the index", patched(setIrqs, 32, 2, 4), 0, Errno.EINVAL),
                Arguments.of("VU-4.5 SET_IRQS fd with DATA_NONE", setIrqs, 1, Errno.EINVAL),
                Arguments.of("VU-4.5 SET_IRQS truncated", resized(setIrqs, 30), 0, Errno.EINVAL),
                Arguments.of(
                        "VU-5.1 REGION_READ count over max_data_xfer_size",
                        patched(read, 28, 2 << 20, 4),
                        0,
                        Errno.E2BIG),
                Arguments.of("VU-5.1 REGION_READ region out of range", patched(read, 24, 1000, 4), 0, Errno.EINVAL),
                Arguments.of("VU-5.1 REGION_READ offset wraps", patched(read, 16, -2L, 8), 0, Errno.EOVERFLOW),
                Arguments.of("VU-5.1 REGION_READ outside the region", patched(read, 16, 4094, 8), 0, Errno.EINVAL),
                Arguments.of("VU-5.1 REGION_WRITE data shorter than count", resized(write, 34), 0, Errno.EINVAL),
                Arguments.of("REGION_WRITE_MULTI misaligned", resized(multi, multi.length - 3), 0, Errno.EINVAL),
                Arguments.of("REGION_WRITE_MULTI too many entries", patched(multi, 16, 201, 8), 0, Errno.E2BIG),
                Arguments.of(
                        "REGION_WRITE_MULTI region out of range", patched(multi, 16 + 8 + 8, 99, 4), 0, Errno.EINVAL),
                Arguments.of("VU-4.6 GET_REGION_IO_FDS truncated", resized(ioFds, 28), 0, Errno.EINVAL),
                Arguments.of("VU-4.6 GET_REGION_IO_FDS index out of range", patched(ioFds, 24, 10, 4), 0, Errno.EINVAL),
                Arguments.of("VU-4.6 GET_REGION_IO_FDS non-zero flags", patched(ioFds, 20, 1, 4), 0, Errno.EINVAL),
                Arguments.of(
                        "VU-10.1 DEVICE_FEATURE without argsz and flags",
                        patched(resized(bare, 16), 0, 0x0010_0001, 4),
                        0,
                        Errno.EINVAL),
                Arguments.of(
                        "VU-10.3 DEVICE_FEATURE of a device that cannot migrate",
                        patched(patched(patched(resized(bare, 24), 0, 0x0010_0001, 4), 16, 16, 4), 20, 0x1_0001, 4),
                        0,
                        Errno.EINVAL),
                Arguments.of(
                        "VU-10.9 MIG_DATA_READ without its fields",
                        patched(resized(bare, 16), 0, 0x0011_0001, 4),
                        0,
                        Errno.EINVAL),
                Arguments.of(
                        "VU-10.9 MIG_DATA_READ of a device that cannot migrate",
                        patched(patched(resized(bare, 24), 0, 0x0011_0001, 4), 16, 8, 4),
                        0,
                        Errno.EINVAL),
                Arguments.of(
                        "VU-2.4 DMA_READ from the client",
                        patched(resized(bare, 16), 0, 0x000B_0001, 4),
                        0,
                        Errno.EINVAL),
                Arguments.of("VU-2.4 unknown command", patched(resized(bare, 16), 0, 0x0063_0001, 4), 0, Errno.EINVAL),
                Arguments.of(
                        "VU-3.2 VERSION again",
                        build(512, s -> VersionMessage.encode(s, 1, false, 0, 0, Capabilities.DEFAULTS)),
                        0,
                        Errno.EINVAL),
                Arguments.of("VU-2.1 reserved flag bits", patched(bare, 8, 0x100, 4), 0, Errno.EINVAL),
                Arguments.of(
                        "VU-7.1 DEVICE_RESET with a payload",
                        patched(resized(bare, 20), 0, 0x000D_0001, 4),
                        0,
                        Errno.EINVAL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    @DisplayName("VU-2.2 malformed requests get a header-only errno reply and the server keeps serving")
    void vu_2_2_errno_reply(String name, byte[] message, int fds, int errno) throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            int before = OpenFiles.count();
            List<Fd> extra = new ArrayList<>();
            try {
                if (fds == -1) {
                    extra.add(EventFd.create().fd()); // an eventfd is not a regular file
                } else {
                    for (int i = 0; i < fds; i++) {
                        extra.add(Memfd.create("junk", 4096));
                    }
                }
                int id = c.nextMessageId();
                Wire.putU16(MemorySegment.ofArray(message), 0, id);
                c.sendRaw(MemorySegment.ofArray(message), extra);
                RawMessage reply = c.receiveRaw();
                assertThat(reply.id()).isEqualTo(id);
                assertThat(reply.command()).isEqualTo(Wire.u16(MemorySegment.ofArray(message), 2));
                assertThat(reply.flags()).isEqualTo(Header.TYPE_REPLY | Header.FLAG_ERROR);
                assertThat(reply.size()).isEqualTo(Header.SIZE);
                assertThat(Errno.name(reply.error())).isEqualTo(Errno.name(errno));
                assertThat(reply.fds()).isEmpty();
            } finally {
                extra.forEach(Fd::close);
            }
            assertThat(c.deviceInfo().numRegions()).isEqualTo(10);
            assertThat(OpenFiles.count()).isEqualTo(before); // every fd we sent was closed by the server
        }
    }

    @Test
    @DisplayName("VU-8.8 a malformed posted request gets no reply; a stray reply is ignored")
    void vu_8_8_posted_errors_silent() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            byte[] posted = build(64, s -> RegionAccessMessage.encodeWriteRequest(s, 1, 0, 500, 4, true));
            c.sendRaw(posted);
            byte[] reply = build(16, s -> {
                Header.reply(s, 5, Command.DMA_READ, 16);
                return 16;
            });
            c.sendRaw(reply);
            assertThat(c.read(1, 0, 4)).hasSize(4); // the first thing we receive answers this read
        }
    }

    @Test
    @DisplayName("VU-2.1 an oversized message is drained and answered with E2BIG; the stream stays in sync")
    void vu_2_1_oversized_drained() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            int size = (2 << 20) + 64;
            byte[] big = new byte[size];
            RegionAccessMessage.encodeWriteRequest(MemorySegment.ofArray(big), 77, 0, 1, size - 32, false);
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    c.sendRaw(big);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            RawMessage r = c.receiveRaw();
            writer.join();
            assertThat(r.id()).isEqualTo(77);
            assertThat(r.error()).isEqualTo(Errno.E2BIG);
            assertThat(c.deviceInfo().numIrqs()).isEqualTo(5);
        }
    }

    private static UnixConnection raw() throws IOException {
        return UnixConnection.connect(server.socketPath());
    }

    /** Reads one reply header and then expects end of stream. */
    private static int errorThenEof(UnixConnection conn) throws IOException {
        byte[] h = new byte[16];
        conn.receiveFully(MemorySegment.ofArray(h), null, 0);
        MemorySegment s = MemorySegment.ofArray(h);
        assertThat(Header.isError(s)).isTrue();
        assertThatThrownBy(() -> conn.receiveFully(MemorySegment.ofArray(new byte[1]), null, 0))
                .isInstanceOf(EOFException.class);
        return Header.error(s);
    }

    private static byte[] version(String json, int major) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[20 + j.length + 1];
        MemorySegment s = MemorySegment.ofArray(b);
        Header.request(s, 1, Command.VERSION, b.length, false);
        Wire.putU16(s, 16, major);
        MemorySegment.copy(j, 0, s, ValueLayout.JAVA_BYTE, 20, j.length);
        return b;
    }

    @Test
    @DisplayName("VU-3.2 anything before VERSION, a bad VERSION or another major: error reply, then disconnect")
    void vu_3_2_version_first() throws Exception {
        try (UnixConnection c = raw()) {
            c.send(MemorySegment.ofArray(build(48, s -> RegionInfoMessage.encodeRequest(s, 1, 0, 32))));
            assertThat(errorThenEof(c)).isEqualTo(Errno.EINVAL);
        }
        waitDetached();
        try (UnixConnection c = raw()) {
            c.send(MemorySegment.ofArray(version("{\"capabilities\":{\"max_msg_fds\":\"x\"}}", 0)));
            assertThat(errorThenEof(c)).isEqualTo(Errno.EINVAL);
        }
        waitDetached();
        try (UnixConnection c = raw()) {
            c.send(MemorySegment.ofArray(version("{}", 1)));
            assertThat(errorThenEof(c)).isEqualTo(Errno.ENOTSUP);
        }
        waitDetached();
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            assertThat(c.deviceInfo().numRegions()).isEqualTo(10);
        }
    }

    @Test
    @DisplayName("VU-2.1 a size below the header or far beyond any limit cannot be resynchronised: disconnect")
    void vu_2_1_unframeable() throws Exception {
        for (long size : new long[] {8, 0xFFFF_FFF0L}) {
            try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
                byte[] m = new byte[16];
                MemorySegment s = MemorySegment.ofArray(m);
                Header.request(s, 3, Command.DEVICE_GET_INFO, (int) size, false);
                c.sendRaw(m);
                RawMessage r = c.receiveRaw();
                assertThat(r.isError()).isTrue();
                assertThatThrownBy(c::receiveRaw).isInstanceOf(EOFException.class);
            }
            waitDetached();
        }
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            assertThat(c.deviceInfo().numRegions()).isEqualTo(10);
        }
    }

    @Test
    @DisplayName("VU-1.4 a client that dies mid-message is cleaned up and the next client is served")
    void vu_1_4_death_mid_message() throws Exception {
        waitDetached(); // the session of an earlier test's client may still be ending
        int detaches = device.detaches();
        try (UnixConnection c = raw();
                Fd mem = Memfd.create("g", 4096)) {
            c.send(MemorySegment.ofArray(version("{}", 0)));
            byte[] reply = new byte[16];
            c.receiveFully(MemorySegment.ofArray(reply), null, 0);
            long size = Header.size(MemorySegment.ofArray(reply));
            c.receiveFully(MemorySegment.ofArray(new byte[(int) size - 16]), null, 0);
            byte[] map = build(48, s -> DmaMapMessage.encode(s, 2, 3, 0, 0, 4096));
            c.send(MemorySegment.ofArray(map), List.of(mem));
            c.receiveFully(MemorySegment.ofArray(new byte[16]), null, 0);
            byte[] partial = build(64, s -> RegionAccessMessage.encodeWriteRequest(s, 3, 0, 1, 40, false));
            c.send(MemorySegment.ofArray(partial).asSlice(0, 30));
        }
        waitDetached();
        assertThat(device.detaches()).isEqualTo(detaches + 1);
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            assertThat(server.dmaWindows()).isZero();
            assertThat(c.read(1, 0, 4)).hasSize(4);
        }
    }

    @Test
    @DisplayName("VU-3.2 a peer that never sends VERSION is hung up on, and the next client is served")
    void vu_3_2_silent_peer_hung_up() throws Exception {
        try (UnixConnection c = raw()) {
            assertThatThrownBy(() -> c.receiveFully(MemorySegment.ofArray(new byte[1]), null, 0))
                    .isInstanceOf(EOFException.class);
        }
        waitDetached();
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath())) {
            assertThat(c.deviceInfo().numRegions()).isEqualTo(10);
        }
    }

    private static void waitDetached() throws InterruptedException {
        ServerClientTest.awaitTrue(() -> !server.clientAttached());
    }
}
