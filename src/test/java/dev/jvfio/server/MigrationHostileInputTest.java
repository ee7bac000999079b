package dev.jvfio.server;

import static dev.jvfio.device.MigrationState.ERROR;
import static dev.jvfio.device.MigrationState.RESUMING;
import static dev.jvfio.device.MigrationState.RUNNING;
import static dev.jvfio.device.MigrationState.STOP;
import static dev.jvfio.server.MigrationMessages.call;
import static dev.jvfio.server.MigrationMessages.errno;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.ClientMigration;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.Errno;
import dev.jvfio.device.MigrationState;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.procfs.OpenFiles;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import java.io.EOFException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hostile migration traffic (VU-10.10, VU-10.11): a 2 GiB MIG_DATA_WRITE in both forms, and a
 * client that goes away in every state, with logging on and a stream half moved: the device runs
 * again for the next client and nothing of the old one is left.
 */
@Timeout(120)
class MigrationHostileInputTest {
    static final byte[] STATE = new byte[100_000];

    MigrationServer server;

    @BeforeEach
    void start() throws Exception {
        server = MigrationServer.start(new RecordingMigration(true, STATE).preCopyBytes(50_000));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    @DisplayName(
            "VU-10.10 MIG_DATA_WRITE announcing 2^31 bytes in a small message is E2BIG; the session and the stream carry on")
    void vu10_10_hugeSizeField() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socket())) {
            c.migration().setState(RESUMING);
            server.migration().clearCalls();
            assertThat(errno(call(c, MigrationMessages.migData(1, true, 0xFFFF_FFFFL, 1L << 31, new byte[16]))))
                    .isEqualTo(Errno.E2BIG);
            assertThat(errno(call(c, MigrationMessages.migData(2, true, 8 + 16, 17, new byte[16]))))
                    .isEqualTo(Errno.EINVAL);
            assertThat(errno(call(c, MigrationMessages.migData(3, true, 8 + 15, 16, new byte[16]))))
                    .isEqualTo(Errno.EINVAL);
            assertThat(server.migration().calls()).isEmpty();
            c.migration().write(MemorySegment.ofArray(RecordingMigration.stream(STATE)));
            c.migration().setState(RUNNING);
            assertThat(server.migration().applied()).isEqualTo(STATE);
        }
    }

    @Test
    @DisplayName(
            "VU-10.10 a MIG_DATA_WRITE message of 2^31 + 24 bytes is refused with E2BIG and the client hung up on; the next client finds the device RUNNING")
    void vu10_10_hugeMessage() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socket())) {
            c.migration().setState(RESUMING);
            byte[] head = ByteBuffer.allocate(Header.SIZE + 8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putShort((short) 7)
                    .putShort((short) Command.MIG_DATA_WRITE)
                    .putInt((int) ((1L << 31) + 24))
                    .putInt(0)
                    .putInt(0)
                    .putInt((int) ((1L << 31) + 8))
                    .putInt(1 << 31)
                    .array();
            c.sendRaw(head);
            var r = c.receiveRaw();
            assertThat(r.id()).isEqualTo(7);
            assertThat(r.error()).isEqualTo(Errno.E2BIG);
            Assertions.assertThatThrownBy(c::receiveRaw).isInstanceOf(EOFException.class);
        }
        server.awaitNoClient();
        assertThat(server.migration().abandons()).isEqualTo(1);
        assertThat(server.migration().holdsStream()).isFalse();
        try (VfioUserClient next = VfioUserClient.connect(server.socket())) {
            assertThat(next.migration().state()).isEqualTo(RUNNING);
        }
    }

    @ParameterizedTest(
            name =
                    "VU-10.11 VU-1.4 a client leaving in {0} (logging on, stream half moved) leaves the device RUNNING, nothing held")
    @EnumSource(
            value = MigrationState.class,
            names = {"STOP", "RUNNING", "STOP_COPY", "RESUMING", "PRE_COPY", "ERROR"})
    void vu10_11_disconnectInEveryState(MigrationState s) throws Exception {
        if (s == ERROR) {
            server.migration().failArc(RUNNING, STOP, Errno.EIO);
        }
        int fdsBefore = OpenFiles.count();
        int abandons = server.migration().abandons();
        try (Fd guest = Memfd.create("guest", 1 << 20);
                VfioUserClient c = VfioUserClient.connect(server.socket());
                Arena a = Arena.ofConfined()) {
            ClientMigration m = c.migration();
            c.dmaMap(guest, 0, 0x10_0000, 1 << 20, true, true);
            m.startDirtyLogging(4096, List.of());
            server.device().dma().write(0x10_0000, MemorySegment.ofArray(new byte[64]));
            if (s == ERROR) {
                Assertions.assertThatThrownBy(() -> m.setState(STOP)) // RUNNING -> STOP fails
                        .isInstanceOf(VfioUserException.class);
            } else if (s == RESUMING) {
                MigrationStateMachineTest.goTo(m, s);
            } else {
                m.setState(s);
            }
            assertThat(m.state()).isEqualTo(s);
            if (s.saving()) {
                m.read(a.allocate(4096));
            } else if (s == RESUMING) {
                m.write(MemorySegment.ofArray(new byte[4096]));
            }
        }
        server.awaitNoClient();
        assertThat(server.migration().abandons()).isEqualTo(abandons + (s == RUNNING ? 0 : 1));
        assertThat(server.migration().holdsStream()).isFalse();
        assertThat(server.migration().running()).isTrue();
        assertThat(server.server().dmaWindows()).isZero();
        assertThat(OpenFiles.count()).isEqualTo(fdsBefore);
        try (VfioUserClient next = VfioUserClient.connect(server.socket())) {
            assertThat(next.migration().state()).isEqualTo(RUNNING);
            assertThat(errno(call(
                            next,
                            MigrationMessages.feature(
                                    1, MigrationMessages.GET | 8, MigrationMessages.report(0x10_0000, 4096, 4096)))))
                    .isEqualTo(Errno.EINVAL);
        }
    }

    @Test
    @DisplayName("VU-10.1 DEVICE_FEATURE and MIG_DATA with an fd are EINVAL and the fd is closed")
    void vu10_1_fdsRefused() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socket())) {
            int before = OpenFiles.count();
            try (Fd junk = Memfd.create("junk", 4096)) {
                c.sendRaw(
                        MemorySegment.ofArray(MigrationMessages.feature(1, MigrationMessages.GET | 2, new byte[0])),
                        List.of(junk));
                assertThat(c.receiveRaw().error()).isEqualTo(Errno.EINVAL);
                c.sendRaw(
                        MemorySegment.ofArray(MigrationMessages.migData(2, false, 24, 16, new byte[0])), List.of(junk));
                assertThat(c.receiveRaw().error()).isEqualTo(Errno.EINVAL);
            }
            assertThat(OpenFiles.count()).isEqualTo(before); // the server closed its copies
            assertThat(c.migration().state()).isEqualTo(RUNNING);
        }
    }
}
