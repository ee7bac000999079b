package dev.jvfio.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.fuzz.MessageGenerator;
import dev.jvfio.fuzz.RawSession;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.procfs.OpenFiles;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DeviceInfoMessage;
import dev.jvfio.protocol.Header;
import dev.jvfio.server.RamDevice;
import dev.jvfio.server.RamServer;
import dev.jvfio.server.ServerListener;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A reply-type message from the client that the server refuses before dispatch (too many fds,
 * oversized) gets no error reply (VU-2.2, VU-2.3): that would be a reply to a reply, which the client never
 * asked for, and its stream would desynchronise.
 */
class StrayReplyRegressionTest {
    RamServer ram;
    RamDevice device;
    VfioUserServer server;

    @BeforeEach
    void start() throws Exception {
        ram = RamServer.start(ServerOptions.defaults()
                .withListener(ServerListener.NONE)
                .withMaxMsgFds(4)
                .withMaxDataXferSize(4096));
        device = ram.device();
        server = ram.server();
    }

    @AfterEach
    void stop() throws Exception {
        ram.close();
    }

    @Test
    @DisplayName("VU-2.3 a stray reply with more fds than max_msg_fds gets no answer and its fds are closed")
    void vu_2_3_stray_reply_with_too_many_fds_gets_no_answer() throws Exception {
        List<EventFd> eventfds = new ArrayList<>();
        List<Fd> fds = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            EventFd e = EventFd.create();
            eventfds.add(e);
            fds.add(e.fd());
        }
        try (RawSession s = RawSession.attach(server.socketPath(), Duration.ofSeconds(10))) {
            int before = OpenFiles.count();
            s.send(MessageGenerator.withHeader(7, Command.DEVICE_SET_IRQS, Header.TYPE_REPLY, 0, new byte[4]), fds);
            assertNextReplyIsTheSync(s, 8);
            assertThat(OpenFiles.count())
                    .as("the server closed every fd of the refused message")
                    .isEqualTo(before);
        } finally {
            eventfds.forEach(EventFd::close);
        }
    }

    @Test
    @DisplayName("VU-2.3 an oversized stray reply is drained without an answer")
    void vu_2_3_oversized_stray_reply_gets_no_answer() throws Exception {
        try (RawSession s = RawSession.attach(server.socketPath(), Duration.ofSeconds(10))) {
            byte[] big = MessageGenerator.withHeader(9, Command.REGION_READ, Header.TYPE_REPLY, 0, new byte[64 * 1024]);
            s.send(big, List.of());
            assertNextReplyIsTheSync(s, 10);
        }
    }

    private static void assertNextReplyIsTheSync(RawSession s, int id) throws Exception {
        byte[] sync = new byte[DeviceInfoMessage.SIZE];
        DeviceInfoMessage.encodeRequest(MemorySegment.ofArray(sync), id);
        s.send(sync, List.of());
        MemorySegment reply = s.receive();
        assertThat(Header.describe(reply))
                .as("the first message back answers the sync request")
                .startsWith("id=" + id + " DEVICE_GET_INFO");
        assertThat(Header.isError(reply)).isFalse();
    }
}
