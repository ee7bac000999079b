package dev.jvfio.sample;

import static dev.jvfio.engine.CopyEngine.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.RawMessage;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.engine.EngineDriver;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.pci.VfioPciDevice;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.RegionAccessMessage;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * DMA-2.5: windows mapped without an fd are reached by DMA_READ / DMA_WRITE messages in QEMU's
 * layout (VU-8.4: u64 address, u32 count, data), sent only after the doorbell's reply (VU-8.5) and
 * chunked to max_data_xfer_size. The test plays the client by hand.
 */
class MessageDmaSocketTest {
    static final long MSG_IOVA = 0x8000_0000L;
    static final long FD_IOVA = 0x1_0000_0000L;

    Path dir;
    VfioPciDevice device;
    VfioUserServer server;
    VfioUserClient client;
    EngineDriver engine;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        device = SampleDevice.create("sample");
        server = VfioUserServer.start(dir.resolve("s"), device, ServerOptions.defaults());
        client = VfioUserClient.connect(dir.resolve("s"));
        engine = new EngineDriver(client, SampleDevice.ENGINE);
        client.write(Vfio.PCI_CONFIG_REGION_INDEX, PciHeader.COMMAND, new byte[] {
            (byte) (PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER), 0
        });
        client.dmaMap(null, 0, MSG_IOVA, 4L << 20, true, true);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
        device.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    /** Rings the doorbell by hand; the first message back must be its reply (VU-8.5). */
    void ring() throws Exception {
        byte[] m = new byte[RegionAccessMessage.SIZE + 4];
        MemorySegment s = MemorySegment.ofArray(m);
        int id = client.nextMessageId();
        RegionAccessMessage.encodeWriteRequest(s, id, SampleDevice.ENGINE + DOORBELL, 0, 4, false);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, RegionAccessMessage.DATA, 1);
        client.sendRaw(m);
        RawMessage reply = client.receiveRaw();
        assertThat(reply.isReply()).isTrue();
        assertThat(reply.id()).isEqualTo(id);
        assertThat(reply.command()).isEqualTo(Command.REGION_WRITE);
    }

    static long address(RawMessage m) {
        return ByteBuffer.wrap(m.payload()).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    static int count(RawMessage m) {
        return ByteBuffer.wrap(m.payload()).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
    }

    /** Answers a DMA_READ with {@code data} (fields repeated, data at payload offset 12). */
    void answerRead(RawMessage req, byte[] data) throws Exception {
        byte[] r = new byte[Header.SIZE + 12 + data.length];
        MemorySegment s = MemorySegment.ofArray(r);
        Header.reply(s, req.id(), Command.DMA_READ, r.length);
        MemorySegment.copy(MemorySegment.ofArray(req.payload()), 0, s, Header.SIZE, 12);
        MemorySegment.copy(MemorySegment.ofArray(data), 0, s, Header.SIZE + 12, data.length);
        client.sendRaw(r);
    }

    @Test
    @DisplayName(
            "DMA-2.5 VU-8.4 VU-8.5: guest to device from a window without an fd: one DMA_READ after the doorbell's reply")
    void dmaReadIntoDevice() throws Exception {
        engine.program(MSG_IOVA + 0x40, 0x100, 16, CTRL_DST_DEVICE);
        ring();
        RawMessage req = client.receiveRaw();
        assertThat(req.command()).isEqualTo(Command.DMA_READ);
        assertThat(req.isReply()).isFalse();
        assertThat(address(req)).isEqualTo(MSG_IOVA + 0x40);
        assertThat(count(req)).isEqualTo(16);
        assertThat(req.payload()).hasSize(12);
        byte[] data = new byte[16];
        for (int i = 0; i < 16; i++) {
            data[i] = (byte) (0xA0 + i);
        }
        answerRead(req, data);
        assertThat(engine.awaitStatus()).isEqualTo(STATUS_DONE);
        assertThat(client.read(0, 0x100, 16)).isEqualTo(data);
    }

    @Test
    @DisplayName(
            "DMA-2.5 VU-8.4: device to guest into a window without an fd: DMA_WRITE with the data, a bare-header reply suffices")
    void dmaWriteFromDevice() throws Exception {
        client.write(0, 0x200, new byte[] {1, 2, 3, 4, 5, 6, 7});
        engine.program(0x200, MSG_IOVA + 8, 7, CTRL_SRC_DEVICE);
        ring();
        RawMessage req = client.receiveRaw();
        assertThat(req.command()).isEqualTo(Command.DMA_WRITE);
        assertThat(address(req)).isEqualTo(MSG_IOVA + 8);
        assertThat(count(req)).isEqualTo(7);
        assertThat(Arrays.copyOfRange(req.payload(), 12, 19)).containsExactly(1, 2, 3, 4, 5, 6, 7);
        byte[] bare = new byte[Header.SIZE];
        Header.reply(MemorySegment.ofArray(bare), req.id(), Command.DMA_WRITE, Header.SIZE);
        client.sendRaw(bare);
        assertThat(engine.awaitStatus()).isEqualTo(STATUS_DONE);
    }

    @Test
    @DisplayName("DMA-3.1 an error reply to DMA_READ ends the copy with 0x81 and FAULT at the chunk")
    void errorReply() throws Exception {
        engine.program(MSG_IOVA, 0, 16, CTRL_DST_DEVICE);
        ring();
        RawMessage req = client.receiveRaw();
        byte[] err = new byte[Header.SIZE];
        Header.errorReply(MemorySegment.ofArray(err), req.id(), Command.DMA_READ, 14);
        client.sendRaw(err);
        assertThat(engine.awaitStatus()).isEqualTo(STATUS_NOT_MAPPED);
        assertThat(engine.read64(FAULT_LO)).isEqualTo(MSG_IOVA);
    }

    @Test
    @DisplayName(
            "DMA-2.5 VU-3.3: message DMA is chunked to max_data_xfer_size; a copy from a message window into an fd window works")
    void chunked() throws Exception {
        long max = client.maxTransfer();
        long len = max + 16;
        try (Fd fd = Memfd.create("guest", 4L << 20);
                MappedMemory g = MappedMemory.map(fd, 0, 4L << 20, true)) {
            client.dmaMap(fd, 0, FD_IOVA, 4L << 20, true, true);
            engine.program(MSG_IOVA, FD_IOVA, len, 0); // guest to guest
            ring();
            long at = 0;
            while (at < len) {
                RawMessage req = client.receiveRaw();
                assertThat(req.command()).isEqualTo(Command.DMA_READ);
                assertThat(address(req)).isEqualTo(MSG_IOVA + at);
                assertThat((long) count(req)).isEqualTo(Math.min(max, len - at));
                byte[] data = new byte[count(req)];
                Arrays.fill(data, (byte) (at == 0 ? 0x11 : 0x22));
                answerRead(req, data);
                at += data.length;
            }
            assertThat(engine.awaitStatus()).isEqualTo(STATUS_DONE);
            assertThat(g.segment().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x11);
            assertThat(g.segment().get(ValueLayout.JAVA_BYTE, max)).isEqualTo((byte) 0x22);
            assertThat(g.segment().get(ValueLayout.JAVA_BYTE, len)).isZero();
        }
    }
}
