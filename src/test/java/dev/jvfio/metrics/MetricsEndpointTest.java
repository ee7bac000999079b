package dev.jvfio.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.Errno;
import dev.jvfio.device.Vfio;
import dev.jvfio.engine.CopyEngine;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.pci.VfioPciDevice;
import dev.jvfio.sample.SampleDevice;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.lang.foreign.ValueLayout;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sample device served with metrics on, driven by the Java client, and /metrics scraped over HTTP. */
@Timeout(120)
class MetricsEndpointTest {
    private Path dir;
    private VfioPciDevice device;
    private MetricsEndpoint endpoint;
    private VfioUserServer server;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jvm");
        device = SampleDevice.create("sample0");
        endpoint = MetricsEndpoint.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DeviceMetrics m = endpoint.device("sample0");
        device.observe(m);
        server = VfioUserServer.start(
                dir.resolve("s"), device, ServerOptions.defaults().withMetrics(m));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        endpoint.close();
        device.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    private String scrape() throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")
                .toURL()
                .openConnection();
        try {
            assertThat(c.getResponseCode()).isEqualTo(200);
            assertThat(c.getContentType()).startsWith("text/plain");
            try (var in = c.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } finally {
            c.disconnect();
        }
    }

    /** The value of the sample {@code name{labels}} in a scrape (labels as they appear, in order). */
    static double value(String scrape, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$")
                .matcher(scrape);
        assertThat(m.find()).as(name + "{" + labels + "} in\n" + scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    @Test
    @DisplayName(
            "counters follow what the client did: requests, errors, trapped bytes, DMA, engine copies, interrupts, resets, clients")
    void countersMatchTheClientsWork() throws Exception {
        long iova = 0x100000;
        int len = 4096;
        try (VfioUserClient c = VfioUserClient.connect(dir.resolve("s"));
                Fd guest = Memfd.create("guest", 1 << 20);
                MappedMemory gm = MappedMemory.map(guest, 0, 1 << 20, true);
                EventFd intx = EventFd.create()) {
            for (int i = 0; i < 3; i++) c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, 4);
            c.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, new byte[] {6, 0}); // memory decode and Bus Master
            c.write(0, 0, new byte[8]); // 8 bytes of RAM
            try {
                c.read(99, 0, 4);
            } catch (VfioUserException e) {
                assertThat(e.errno()).isEqualTo(Errno.EINVAL);
            }
            gm.segment().asSlice(0, len).fill((byte) 0x5a);
            c.dmaMap(guest, 0, iova, 1 << 20, true, true);
            c.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(intx.fd().duplicate()));
            int e = SampleDevice.ENGINE;
            c.write(0, e + CopyEngine.SRC_LO, le32((int) iova));
            c.write(0, e + CopyEngine.DST_LO, le32(0));
            c.write(0, e + CopyEngine.LEN, le32(len));
            c.write(0, e + CopyEngine.CTRL, le32(CopyEngine.CTRL_DST_DEVICE | CopyEngine.CTRL_INTERRUPT));
            c.write(0, e + CopyEngine.DOORBELL, le32(1));
            int status = CopyEngine.STATUS_BUSY;
            for (int i = 0; i < 500 && status == CopyEngine.STATUS_BUSY; i++) {
                status = ByteBuffer.wrap(c.read(0, e + CopyEngine.STATUS, 4))
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getInt();
                if (status == CopyEngine.STATUS_BUSY) Thread.sleep(10);
            }
            assertThat(status).isEqualTo(CopyEngine.STATUS_DONE);
            assertThat(intx.take()).isEqualTo(1);
            c.reset();

            String s = scrape();
            String d = "device=\"sample0\"";
            assertThat(value(s, "jvfio_clients", d)).isEqualTo(1);
            assertThat(value(s, "jvfio_client_sessions_total", d)).isEqualTo(1);
            assertThat(value(s, "jvfio_messages_total", "command=\"VERSION\"," + d))
                    .isEqualTo(1);
            assertThat(value(s, "jvfio_messages_total", "command=\"DMA_MAP\"," + d))
                    .isEqualTo(1);
            assertThat(value(s, "jvfio_messages_total", "command=\"DEVICE_RESET\"," + d))
                    .isEqualTo(1);
            assertThat(value(s, "jvfio_errors_total", d + ",errno=\"EINVAL\"")).isEqualTo(1);
            // reads: 3 config + 1 refused + the STATUS polls; bytes: 4 each but the refused one
            double reads = value(s, "jvfio_messages_total", "command=\"REGION_READ\"," + d);
            assertThat(value(s, "jvfio_trapped_bytes_total", d + ",direction=\"read\""))
                    .isEqualTo(4 * (reads - 1));
            // writes: 8 bytes of RAM, 2 of Command, 5 engine registers of 4
            assertThat(value(s, "jvfio_trapped_bytes_total", d + ",direction=\"write\""))
                    .isEqualTo(8 + 2 + 5 * 4);
            assertThat(value(s, "jvfio_dma_windows", d)).isEqualTo(1);
            assertThat(value(s, "jvfio_dma_mapped_bytes", d)).isEqualTo(1 << 20);
            assertThat(value(s, "jvfio_dma_bytes_total", d + ",direction=\"read\""))
                    .isEqualTo(len);
            assertThat(value(s, "jvfio_copy_engine_copies_total", d + ",result=\"done\""))
                    .isEqualTo(1);
            assertThat(value(s, "jvfio_copy_engine_bytes_total", d)).isEqualTo(len);
            assertThat(value(s, "jvfio_interrupts_total", d + ",kind=\"intx\"")).isEqualTo(1);
            assertThat(value(s, "jvfio_resets_total", d)).isEqualTo(1);
            assertThat(value(s, "jvfio_request_duration_seconds_count", "command=\"REGION_READ\"," + d))
                    .isEqualTo(reads);
            assertThat(gm.segment().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x5a);
        }
        for (int i = 0; i < 500 && !scrape().contains("jvfio_clients{device=\"sample0\"} 0"); i++) Thread.sleep(10);
        String after = scrape();
        assertThat(value(after, "jvfio_clients", "device=\"sample0\"")).isZero();
        assertThat(value(after, "jvfio_dma_windows", "device=\"sample0\"")).isZero();
        assertThat(value(after, "jvfio_dma_mapped_bytes", "device=\"sample0\"")).isZero();
    }

    @Test
    @DisplayName("a command outside the protocol counts under 'other', so a client cannot add labels")
    void unknownCommandsShareOneLabel() throws Exception {
        DeviceMetrics m = endpoint.device("x");
        m.request(9999, Errno.EINVAL, 1000);
        m.request(0, Errno.EINVAL, 1000);
        String s = scrape();
        assertThat(value(s, "jvfio_messages_total", "command=\"other\",device=\"x\""))
                .isEqualTo(2);
        assertThat(s).doesNotContain("9999");
    }
}
