package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.VfioUserClient;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The per-message path reuses its buffers: serving trapped reads and writes allocates at most a
 * few small objects per message (segment views handed to the device), never buffers sized by the
 * message. Measured with the JVM's per-thread allocation counter on the session thread.
 */
@Timeout(120)
class SessionAllocationTest {

    @Test
    @DisplayName("VU-5.1 serving REGION_READ/WRITE allocates no per-message buffers")
    void vu_5_1_no_per_message_buffers() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
        try (RamDevice device = new RamDevice();
             VfioUserServer server = VfioUserServer.start(dir.resolve("s"), device,
                     ServerOptions.defaults().withListener(ServerListener.NONE));
             VfioUserClient c = VfioUserClient.connect(server.socketPath());
             Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(2048);
            Thread session = find();
            assertThat(session).isNotNull();
            for (int i = 0; i < 20_000; i++) { // warm up the JIT
                c.read(0, 4096, data);
                c.write(1, 0x800, data);
            }
            long before = threads.getThreadAllocatedBytes(session.threadId());
            int messages = 20_000;
            for (int i = 0; i < messages / 2; i++) {
                c.read(0, 4096, data);
                c.write(1, 0x800, data);
            }
            long perMessage = (threads.getThreadAllocatedBytes(session.threadId()) - before) / messages;
            System.out.println("session allocation per message: " + perMessage + " bytes");
            // 2 KiB of data per message: a copy per message would show up as >= 2048 bytes
            assertThat(perMessage).as("bytes allocated per message").isLessThan(512);
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    private static Thread find() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vfio-user session"))
                .findFirst().orElse(null);
    }
}
