package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.RawMessage;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DeviceInfoMessage;
import dev.jvfio.protocol.DmaMapMessage;
import dev.jvfio.protocol.RegionAccessMessage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server reads ahead (one recvmsg of up to 4 KiB while the next size is unknown): several
 * messages arriving in one read are served one by one, in order, and fds go to the message that
 * carried them (VU-2.3 order; fds with DMA_MAP).
 */
@Timeout(60)
class PipelinedMessagesTest {
    private RamServer ram;
    private RamDevice device;
    private VfioUserServer server;

    @BeforeEach
    void start() throws Exception {
        ram = RamServer.start(ServerOptions.defaults());
        device = ram.device();
        server = ram.server();
    }

    @AfterEach
    void stop() throws Exception {
        ram.close();
    }

    @Test
    @DisplayName("VU-2.3 a posted write, a read and a device-info request in one send are served in order")
    void vu_2_3_messages_in_one_read_are_served_in_order() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath());
                Arena arena = Arena.ofConfined()) {
            MemorySegment all = arena.allocate(256);
            int n = RegionAccessMessage.encodeWriteRequest(all, c.nextMessageId(), 8, 1, 4, true);
            all.asSlice(RegionAccessMessage.DATA, 4).copyFrom(MemorySegment.ofArray(new byte[] {1, 2, 3, 4}));
            int readId = c.nextMessageId();
            int m = RegionAccessMessage.encodeReadRequest(all.asSlice(n), readId, 8, 1, 4);
            int infoId = c.nextMessageId();
            int k = DeviceInfoMessage.encodeRequest(all.asSlice(n + m), infoId);
            c.sendRaw(all.asSlice(0, n + m + k), List.of());

            RawMessage read = c.receiveRaw();
            assertThat(read.id()).isEqualTo(readId);
            assertThat(read.error()).isZero();
            assertThat(read.payload()).endsWith(1, 2, 3, 4);
            RawMessage info = c.receiveRaw();
            assertThat(info.id()).isEqualTo(infoId);
            assertThat(info.command()).isEqualTo(Command.DEVICE_GET_INFO);
            assertThat(info.error()).isZero();
            assertThat(c.read(1, 8, 4)).containsExactly(1, 2, 3, 4); // and the stream is still in step
        }
    }

    @Test
    @DisplayName(
            "VU-2.3 an fd sent with bytes of two messages goes to the DMA_MAP that needs it, not the message before")
    void vu_2_3_fd_goes_to_the_message_holding_the_last_byte() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socketPath());
                Arena arena = Arena.ofConfined();
                Fd mem = Memfd.create("pipelined", 4096)) {
            MemorySegment all = arena.allocate(256);
            int infoId = c.nextMessageId();
            int n = DeviceInfoMessage.encodeRequest(all, infoId);
            int mapId = c.nextMessageId();
            int m = DmaMapMessage.encode(
                    all.asSlice(n), mapId, DmaMapMessage.FLAG_READ | DmaMapMessage.FLAG_WRITE, 0, 0x10000, 4096);
            c.sendRaw(all.asSlice(0, n + m), List.of(mem)); // one sendmsg: the fd rides with both

            RawMessage info = c.receiveRaw();
            assertThat(info.id()).isEqualTo(infoId);
            assertThat(info.error()).isZero();
            RawMessage map = c.receiveRaw();
            assertThat(map.id()).isEqualTo(mapId);
            assertThat(map.error()).isZero();
            assertThat(server.dmaWindows()).isEqualTo(1);
        }
    }
}
