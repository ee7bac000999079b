package example.mydevice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.pci.VfioPciDevice;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * jvfio as a library: a device built outside the {@code dev.jvfio} packages against the exported API
 * only, served on a socket and driven by the Java client.
 */
class CounterDeviceTest {
    static final Path SOURCES = Path.of("src/test/java/example/mydevice");

    @Test
    @DisplayName("a device outside dev.jvfio, served to the Java client: config read, BAR0 write and read back")
    void servedToTheClient() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        Path socket = dir.resolve("counter.sock");
        try (VfioPciDevice device = CounterDevice.create("counter");
                VfioUserServer server = VfioUserServer.start(socket, device, ServerOptions.defaults());
                VfioUserClient client = VfioUserClient.connect(socket)) {
            int cfg = Vfio.PCI_CONFIG_REGION_INDEX;
            assertThat(le32(client.read(cfg, PciHeader.VENDOR_ID, 4)))
                    .isEqualTo(CounterDevice.DEVICE_ID << 16 | CounterDevice.VENDOR_ID);
            assertThat(client.regionInfo(0).size()).isEqualTo(CounterDevice.BAR0_SIZE);

            client.write(cfg, PciHeader.COMMAND, new byte[] {(byte) PciHeader.COMMAND_MEMORY, 0});
            client.write(0, CounterDevice.VALUE, le32(0xC0FFEE));
            client.write(0, CounterDevice.VALUE, le32(0xBEEF));
            assertThat(le32(client.read(0, CounterDevice.VALUE, 4))).isEqualTo(0xBEEF);
            assertThat(le32(client.read(0, CounterDevice.COUNTER, 4))).isEqualTo(2);
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    @DisplayName("the example imports only packages that module dev.jvfio exports")
    void usesOnlyTheExportedApi() throws IOException {
        Set<String> exported;
        try (var in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
            exported = ModuleDescriptor.read(in).exports().stream()
                    .filter(e -> !e.isQualified())
                    .map(ModuleDescriptor.Exports::source)
                    .collect(Collectors.toSet());
        }
        Pattern jvfioImport =
                Pattern.compile("^import (?:static )?(dev\\.jvfio(?:\\.[a-z]\\w*)*)\\.[A-Z]", Pattern.MULTILINE);
        List<Path> files;
        try (var s = Files.list(SOURCES)) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(2);
        for (Path f : files) {
            Matcher m = jvfioImport.matcher(Files.readString(f));
            while (m.find()) {
                assertThat(exported)
                        .as("%s imports from %s", f.getFileName(), m.group(1))
                        .contains(m.group(1));
            }
        }
    }

    static int le32(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
}
