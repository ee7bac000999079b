package dev.jvfio.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.Errno;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import dev.jvfio.transport.PeerCredentials;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Found while hardening: GET_REGION_INFO hands the client a read-write fd of the device memory
 * file, and a client can ftruncate it. Every later trapped access to that memory then faulted
 * (SIGBUS, which HotSpot raises as InternalError) and the server ended the session with an
 * "internal error" - for this client and for every client after it: the device was lost until
 * the server restarted. A backing file cannot be sealed, so the server must survive the fault.
 */
class ShrunkDeviceMemoryTest {
    static final long MEMORY = (2L << 30) + (768L << 20);

    @Test
    @DisplayName("VU-5.1 a client that shrinks the backing file through its region fd gets EIO for the lost memory; "
            + "the session, the device and later clients are fine")
    void vu_5_1_shrunk_device_memory_gives_eio_not_a_dead_session() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        Path backing = dir.resolve("gpu.mem");
        List<String> internal = new CopyOnWriteArrayList<>();
        ServerListener listener = new ServerListener() {
            @Override
            public void disconnected(PeerCredentials peer, String reason) {
                if (reason.startsWith("internal error")) {
                    internal.add(reason);
                }
            }
        };
        try (VfioDevice d = DeviceProfiles.create(
                        GpuOptions.defaults().withMemorySize(MEMORY).withBackingFile(backing));
                VfioUserServer s = VfioUserServer.start(
                        dir.resolve("s"), d, ServerOptions.defaults().withListener(listener))) {
            try (VfioUserClient c = VfioUserClient.connect(s.socketPath())) {
                c.write(Vfio.PCI_BAR4_REGION_INDEX, 0, new byte[] {1, 2, 3, 4});
                RegionInfo bar4 = c.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
                try (FileChannel ch = FileChannel.open(
                        Path.of("/proc/self/fd/" + bar4.file().fd().value()), StandardOpenOption.WRITE)) {
                    ch.truncate(0);
                }
                assertThatThrownBy(() -> c.read(Vfio.PCI_BAR4_REGION_INDEX, 0, 4))
                        .isInstanceOfSatisfying(
                                VfioUserException.class,
                                e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
                assertThat(c.deviceInfo()).as("the session goes on").isEqualTo(d.info());
                // a bulk write into the lost memory: EIO, and the stream stays in sync
                assertThatThrownBy(() -> c.write(Vfio.PCI_BAR4_REGION_INDEX, 0, new byte[1 << 20]))
                        .isInstanceOfSatisfying(
                                VfioUserException.class,
                                e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
                assertThat(c.deviceInfo())
                        .as("the session goes on after a large write")
                        .isEqualTo(d.info());
                assertThat(c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, 2)).isEqualTo(new byte[] {(byte) 0xde, 0x10});
            }
            try (VfioUserClient c = LimitsTest.connect(s)) {
                assertThatThrownBy(() -> c.write(Vfio.PCI_BAR4_REGION_INDEX, 0, new byte[4]))
                        .isInstanceOf(VfioUserException.class);
                assertThat(c.deviceInfo()).as("a later client is served").isEqualTo(d.info());
            }
        } finally {
            Files.deleteIfExists(backing);
            Files.deleteIfExists(dir.resolve("s"));
            Files.deleteIfExists(dir);
        }
        assertThat(internal).isEmpty();
    }

    @Test
    @DisplayName("VU-4.2 device memory in a memfd is sealed: a client cannot shrink or grow it through its region fd")
    void vu_4_2_memfd_device_memory_cannot_be_resized_by_a_client() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        try (VfioDevice d = DeviceProfiles.create(GpuOptions.defaults().withMemorySize(MEMORY));
                VfioUserServer s = VfioUserServer.start(
                        dir.resolve("s"), d, ServerOptions.defaults().withListener(ServerListener.NONE));
                VfioUserClient c = VfioUserClient.connect(s.socketPath())) {
            c.write(Vfio.PCI_BAR4_REGION_INDEX, 0, new byte[] {1, 2, 3, 4});
            RegionInfo bar4 = c.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
            try (FileChannel ch =
                    FileChannel.open(Path.of("/proc/self/fd/" + bar4.file().fd().value()), StandardOpenOption.WRITE)) {
                long size = ch.size();
                assertThatThrownBy(() -> ch.truncate(0)).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(new byte[1]), size + (1L << 30)))
                        .as("growing")
                        .isInstanceOf(IOException.class);
                assertThat(ch.size()).isEqualTo(size);
            }
            assertThat(c.read(Vfio.PCI_BAR4_REGION_INDEX, 0, 4)).isEqualTo(new byte[] {1, 2, 3, 4});
        } finally {
            Files.deleteIfExists(dir.resolve("s"));
            Files.deleteIfExists(dir);
        }
    }
}
