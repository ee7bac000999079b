package dev.jvfio.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.protocol.Command;
import dev.jvfio.server.RamDevice;
import dev.jvfio.server.RamServer;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java client and jvfio's server in this JVM with the proxy between them: the session works as
 * it does directly, the passed descriptors are the same open files on both sides, and the trace
 * shows the whole session with equal counts.
 */
@Timeout(120)
class TraceSessionTest {
    private static final long IOVA = 0x8000_0000L;

    /** A session touching every kind of message QEMU sends, with the checks ServerClientTest makes directly. */
    static void session(VfioUserClient c, RamDevice device) throws Exception {
        try (Fd mem = Memfd.create("guest", 1 << 20);
                MappedMemory guest = MappedMemory.map(mem, 0, 1 << 20, true);
                EventFd intx = EventFd.create()) {
            assertThat(c.deviceInfo()).isEqualTo(device.info());
            // S->C fd: BAR0's memfd; what the client writes through its mapping the server reads
            RegionInfo bar0 = c.regionInfo(0);
            assertThat(bar0.file()).isNotNull();
            try (MappedMemory m = VfioUserClient.mapRegion(bar0, 4096, 4096, true)) {
                m.segment().set(ValueLayout.JAVA_INT_UNALIGNED, 16, 0x5eed1e55);
                assertThat(ByteBuffer.wrap(c.read(0, 4096 + 16, 4))
                                .order(ByteOrder.nativeOrder())
                                .getInt())
                        .isEqualTo(0x5eed1e55);
            }
            assertThat(c.regionInfo(RamDevice.SPECIAL_REGION).type()).isEqualTo(RamDevice.SPECIAL_TYPE);
            assertThat(c.irqInfo(Vfio.PCI_MSIX_IRQ_INDEX).count()).isEqualTo(4);
            assertThat(c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, 4)).containsExactly(0x34, 0x12, 0x78, 0x56);
            c.reset();
            // C->S fds: the eventfd for INTx and the memfd of a DMA window; the device DMA-reads and
            // writes the client's memory through the server's mapping of that memfd, then fires INTx
            c.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(intx.fd()));
            c.dmaMap(mem, 0x10000, IOVA, 0x10000, true, true);
            for (int i = 0; i < 64; i++) {
                guest.segment().set(ValueLayout.JAVA_BYTE, 0x10000 + i, (byte) (i * 5));
            }
            c.write(
                    1,
                    8,
                    ByteBuffer.allocate(8)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putLong(IOVA)
                            .array());
            c.write(1, 0, new byte[] {1});
            assertThat(c.read(1, 4, 4)).containsExactly(0, 0, 0, 0);
            for (int i = 0; i < 64; i++) {
                assertThat(guest.segment().get(ValueLayout.JAVA_BYTE, 0x10040 + i))
                        .isEqualTo((byte) (i * 5));
            }
            assertThat(intx.await(Duration.ofSeconds(10)))
                    .as("INTx through the eventfd that went through the proxy")
                    .isTrue();
            c.writePosted(1, 0x40, new byte[] {7});
            assertThat(c.read(1, 0x40, 1)).containsExactly(7);
            c.disableIrqs(Vfio.PCI_INTX_IRQ_INDEX);
            c.dmaUnmap(IOVA, 0x10000);
        }
    }

    @Test
    @DisplayName(
            "TRACE-1 TRACE-2 TRACE-5 a session through the proxy works as directly; fds are the same open files both ways; the trace has all of it with equal counts")
    void trace_session() throws Exception {
        List<JsonNode> messages;
        List<JsonNode> events;
        String text;
        try (RamServer ram = RamServer.start()) {
            Traced t = Traced.start(ram.socket());
            try (VfioUserClient c = VfioUserClient.connect(t.socket())) {
                session(c, ram.device());
            }
            t.awaitIdle();
            t.close();
            assertThat(ram.device().eventfdsHeld()).isZero();
            assertThat(ram.server().dmaWindows()).isZero();
            assertThat(t.warnings()).isEmpty();
            messages = t.messages();
            events = t.events();
            text = t.text();
        }
        assertThat(messages.getFirst().get("command").asText()).isEqualTo("VERSION");
        assertThat(messages.getFirst().get("dir").asText()).isEqualTo("C->S");
        assertThat(messages.get(1)
                        .get("fields")
                        .get("caps")
                        .get("capabilities")
                        .get("max_msg_fds")
                        .asInt())
                .isPositive();
        assertThat(messages)
                .allSatisfy(m -> assertThat(m.has("problems")).as(m.toString()).isFalse());
        JsonNode close = events.getLast();
        assertThat(close.get("event").asText()).isEqualTo("close");
        assertThat(close.get("reason").asText()).isEqualTo("client closed the connection");
        assertThat(close.get("unanswered").asInt()).isZero();
        JsonNode cs = close.get("C->S");
        JsonNode sc = close.get("S->C");
        assertThat(cs.get("requests").asLong())
                .isEqualTo(sc.get("replies").asLong())
                .isPositive();
        assertThat(sc.get("requests").asLong()).isEqualTo(cs.get("replies").asLong());
        assertThat(cs.get("posted").asLong()).isEqualTo(1);
        assertThat(messages.stream()
                        .filter(m -> m.get("dir").asText().equals("C->S"))
                        .count())
                .isEqualTo(cs.get("messages").asLong());
        assertThat(messages.stream()
                        .filter(m -> m.get("dir").asText().equals("S->C"))
                        .count())
                .isEqualTo(sc.get("messages").asLong());
        JsonNode map = messages.stream()
                .filter(m -> m.get("command").asText().equals("DMA_MAP"))
                .findFirst()
                .orElseThrow();
        assertThat(map.get("fields").get("addr").asText()).isEqualTo("0x80000000");
        assertThat(map.get("fields").get("size").asText()).isEqualTo("0x10000");
        assertThat(map.get("fields").get("offset").asText()).isEqualTo("0x10000");
        assertThat(map.get("fields").get("prot").asText()).isEqualTo("rw");
        assertThat(map.get("fd_kinds").toString()).isEqualTo("[\"memfd\"]");
        assertThat(text)
                .containsPattern(
                        "C->S #\\d+ +DEVICE_SET_IRQS +request +irq=INTX action=TRIGGER data=EVENTFD start=0 count=1 fds=eventfd")
                .containsPattern("S->C #\\d+ +REGION_READ +reply +region=7 offset=0x0 count=4 data=34127856 rtt=")
                .containsPattern("C->S #\\d+ +REGION_WRITE +posted +region=1 offset=0x40 count=1 data=07")
                .containsPattern(
                        "S->C #\\d+ +DEVICE_GET_REGION_INFO +reply +region=0 argsz=\\d+ size=0x4000 offset=0x0 flags=read\\|write\\|mmap\\|caps sparse=\\[0x1000\\+0x3000\\] fds=memfd rtt=")
                .containsPattern("C->S #\\d+ +DMA_UNMAP +request +addr=0x80000000 size=0x10000")
                .contains("-- closed (client closed the connection)", "every request answered");
    }

    @Test
    @DisplayName(
            "TRACE-6 --filter prints only the chosen commands (replies follow their command), --hex adds the bytes; the JSON file has every message")
    void trace6_filterAndHex() throws Exception {
        Traced t;
        try (RamServer ram = RamServer.start()) {
            t = Traced.start(ram.socket(), true, true, CommandFilter.parse("version,DMA_MAP,8"));
            try (VfioUserClient c = VfioUserClient.connect(t.socket())) {
                session(c, ram.device());
            }
            t.awaitIdle();
            t.close();
        }
        List<String> lines = t.text().lines().toList();
        List<String> messageLines = lines.stream()
                .filter(l -> l.matches("\\S+ conn1 (C->S|S->C) .*"))
                .toList();
        assertThat(messageLines)
                .extracting(l -> l.split(" +")[4])
                .containsOnly("VERSION", "DMA_MAP", "DEVICE_SET_IRQS")
                .contains("VERSION", "DMA_MAP", "DEVICE_SET_IRQS");
        assertThat(messageLines).hasSize(2 + 2 + 4);
        // the DMA_MAP request's 48 bytes, under its line: id 1..., command 2, size 0x30
        int map = lines.indexOf(messageLines.stream()
                .filter(l -> l.contains("DMA_MAP") && l.contains("request"))
                .findFirst()
                .orElseThrow());
        assertThat(lines.get(map + 1)).matches("    0000  .. 00 02 00 30 00 00 00 00 00 00 00 00 00 00 00");
        assertThat(lines.get(map + 3)).startsWith("    0020  ");
        assertThat(lines.get(map + 4)).doesNotStartWith("    0030");
        assertThat(t.messages())
                .extracting(m -> m.get("command").asText())
                .contains("REGION_READ", "DMA_UNMAP", "DEVICE_RESET");
    }

    @Test
    @DisplayName(
            "TRACE-6 --filter: names in any case or numbers, '-NAME' leaves one out; an unknown name is refused with the list")
    void trace6_filterSyntax() {
        CommandFilter only = CommandFilter.parse("region_read, 2");
        assertThat(only.shows(Command.REGION_READ)).isTrue();
        assertThat(only.shows(Command.DMA_MAP)).isTrue();
        assertThat(only.shows(Command.VERSION)).isFalse();
        CommandFilter but = CommandFilter.parse("-REGION_READ,-REGION_WRITE");
        assertThat(but.shows(Command.REGION_READ)).isFalse();
        assertThat(but.shows(Command.DMA_MAP)).isTrue();
        assertThat(but.shows(99)).isTrue();
        Assertions.assertThatThrownBy(() -> CommandFilter.parse("REGION_READS"))
                .hasMessageContaining("'REGION_READS' is not a vfio-user command")
                .hasMessageContaining("MIG_DATA_WRITE");
        Assertions.assertThatThrownBy(() -> CommandFilter.parse(" , ")).hasMessageContaining("no command named");
    }
}
