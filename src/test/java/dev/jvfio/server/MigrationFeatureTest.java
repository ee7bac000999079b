package dev.jvfio.server;

import static dev.jvfio.server.MigrationMessages.GET;
import static dev.jvfio.server.MigrationMessages.PROBE;
import static dev.jvfio.server.MigrationMessages.SET;
import static dev.jvfio.server.MigrationMessages.call;
import static dev.jvfio.server.MigrationMessages.errno;
import static dev.jvfio.server.MigrationMessages.u32;
import static dev.jvfio.server.MigrationMessages.u64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.client.ClientMigration;
import dev.jvfio.client.RawMessage;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Errno;
import dev.jvfio.device.MigrationState;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.VersionMessage;
import dev.jvfio.transport.UnixConnection;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** DEVICE_FEATURE's rules (VU-10.1 to VU-10.3) and the VERSION leftover of the first draft (VU-10.16). */
@Timeout(120)
class MigrationFeatureTest {
    /** The methods each feature offers; any id not here offers none. */
    static final Map<Integer, Integer> METHODS = Map.of(1, GET, 2, GET | SET, 6, SET, 7, SET, 8, GET, 9, GET);

    MigrationServer server;

    @BeforeEach
    void start() throws Exception {
        server = MigrationServer.start(new RecordingMigration(true, "s".getBytes()));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    @DisplayName(
            "VU-10.2 PROBE alone, with GET, with SET and with both: success exactly when every method named is offered; the reply echoes the request")
    void vu10_2_probeCombinations() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socket())) {
            for (int feature = 0; feature <= 12; feature++) {
                int offered = METHODS.getOrDefault(feature, 0);
                for (int methods : new int[] {0, GET, SET, GET | SET}) {
                    byte[] req = MigrationMessages.feature(c.nextMessageId(), PROBE | methods | feature, new byte[0]);
                    RawMessage r = call(c, req);
                    boolean ok = offered != 0 && (methods & ~offered) == 0;
                    assertThat(errno(r))
                            .as("feature %d methods 0x%x", feature, methods)
                            .isEqualTo(ok ? 0 : Errno.EINVAL);
                    if (ok) {
                        assertThat(r.payload()).isEqualTo(Arrays.copyOfRange(req, Header.SIZE, req.length));
                    }
                }
            }
            assertThat(c.migration().probe(ClientMigration.MIG_DEVICE_STATE, true, true))
                    .isTrue();
            assertThat(c.migration().probe(ClientMigration.MIGRATION, false, true))
                    .isFalse();
            assertThat(server.migration().calls()).isEmpty();
        }
    }

    @Test
    @DisplayName(
            "VU-10.1 GET and SET together without PROBE, no method at all, unknown flag bits, argsz below 8, a payload shorter than 8: EINVAL")
    void vu10_1_flagRules() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socket())) {
            assertThat(errno(call(c, MigrationMessages.feature(1, GET | SET | 2, MigrationMessages.state(1)))))
                    .isEqualTo(Errno.EINVAL);
            assertThat(errno(call(c, MigrationMessages.feature(2, 2, MigrationMessages.state(1)))))
                    .isEqualTo(Errno.EINVAL);
            for (int bit = 19; bit < 32; bit++) {
                assertThat(errno(call(c, MigrationMessages.feature(3, GET | 1 | (1 << bit), new byte[0]))))
                        .as("bit %d", bit)
                        .isEqualTo(Errno.EINVAL);
            }
            assertThat(errno(call(c, MigrationMessages.feature(4, 7, GET | 1, new byte[0]))))
                    .isEqualTo(Errno.EINVAL);
            byte[] short4 = new byte[Header.SIZE + 4];
            Header.request(MemorySegment.ofArray(short4), 5, Command.DEVICE_FEATURE, short4.length, false);
            assertThat(errno(call(c, short4))).isEqualTo(Errno.EINVAL);
            byte[] bare = new byte[Header.SIZE];
            Header.request(MemorySegment.ofArray(bare), 6, Command.DEVICE_FEATURE, bare.length, false);
            assertThat(errno(call(c, bare))).isEqualTo(Errno.EINVAL);
            assertThat(c.migration().state()).isEqualTo(MigrationState.RUNNING);
        }
    }

    @Test
    @DisplayName(
            "VU-10.3 GET MIGRATION (STOP_COPY and PRE_COPY, never P2P), MIG_DEVICE_STATE (data_fd 0xFFFFFFFF), MIG_DATA_SIZE; argsz of the reply is what it carries")
    void vu10_3_getFeatures() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socket())) {
            RawMessage r = call(c, MigrationMessages.feature(1, 16, GET | 1, new byte[0]));
            assertThat(r.payload()).hasSize(16);
            assertThat(u32(r, 0)).isEqualTo(16);
            assertThat(u32(r, 4)).isEqualTo(GET | 1);
            assertThat(u64(r, 8)).isEqualTo(1 | 4);
            r = call(c, MigrationMessages.feature(2, 16, GET | 2, new byte[0]));
            assertThat(u32(r, 8)).isEqualTo(MigrationState.RUNNING.wire());
            assertThat(u32(r, 12)).isEqualTo(-1);
            // libvfio-user's client sends a placeholder of the reply's data with GET; accepted
            r = call(c, MigrationMessages.feature(3, GET | 2, new byte[8]));
            assertThat(errno(r)).isZero();
            assertThat(u32(r, 8)).isEqualTo(MigrationState.RUNNING.wire());
            r = call(c, MigrationMessages.feature(4, 16, GET | 9, new byte[0]));
            assertThat(u64(r, 8)).isEqualTo(RecordingMigration.stream("s".getBytes()).length);
            assertThat(c.migration().stopCopyLength()).isEqualTo(13);
            // argsz too small for the reply; data neither empty nor the reply's size
            assertThat(errno(call(c, MigrationMessages.feature(5, 15, GET | 2, new byte[0]))))
                    .isEqualTo(Errno.EINVAL);
            assertThat(errno(call(c, MigrationMessages.feature(6, 64, GET | 2, new byte[4]))))
                    .isEqualTo(Errno.EINVAL);
            // SET replies echo the request, with data_fd 0xFFFFFFFF whatever the client put there
            r = call(c, MigrationMessages.feature(7, SET | 2, new byte[] {1, 0, 0, 0, 5, 0, 0, 0}));
            assertThat(errno(r)).isZero();
            assertThat(u32(r, 0)).isEqualTo(16);
            assertThat(u32(r, 8)).isEqualTo(1);
            assertThat(u32(r, 12)).isEqualTo(-1);
        }
    }

    @Test
    @DisplayName(
            "VU-10.1 a huge argsz is only the most the client accepts back: GET, SET and PROBE answer with what they carry")
    void vu10_1_hugeArgsz() throws Exception {
        try (VfioUserClient c = VfioUserClient.connect(server.socket())) {
            RawMessage r = call(c, MigrationMessages.feature(1, 0xFFFF_FFFFL, GET | 2, new byte[0]));
            assertThat(r.payload()).hasSize(16);
            assertThat(u32(r, 0)).isEqualTo(16);
            r = call(c, MigrationMessages.feature(2, 0xFFFF_FFFFL, SET | 2, MigrationMessages.state(1)));
            assertThat(errno(r)).isZero();
            assertThat(r.payload()).hasSize(16);
            r = call(c, MigrationMessages.feature(3, 0x8000_0000L, PROBE | GET | 8, new byte[0]));
            assertThat(r.payload()).hasSize(8);
            r = call(c, MigrationMessages.feature(4, 0xFFFF_FFFFL, GET | 8, MigrationMessages.report(0, 4096, 4096)));
            assertThat(errno(r)).as("REPORT before START").isEqualTo(Errno.EINVAL);
            assertThat(c.migration().state()).isEqualTo(MigrationState.STOP);
        }
    }

    @Test
    @DisplayName(
            "VU-10.3 a device that cannot migrate: every feature, PROBE included, and MIG_DATA are EINVAL; the rest works")
    void vu10_3_deviceWithoutMigration() throws Exception {
        try (MigrationServer none = MigrationServer.start(null);
                VfioUserClient c = VfioUserClient.connect(none.socket())) {
            for (int feature : List.of(1, 2, 6, 7, 8, 9)) {
                for (int method : new int[] {GET, SET, PROBE, PROBE | GET}) {
                    byte[] data = method == SET && feature == 2 ? MigrationMessages.state(1) : new byte[0];
                    assertThat(errno(call(c, MigrationMessages.feature(c.nextMessageId(), method | feature, data))))
                            .isEqualTo(Errno.EINVAL);
                }
            }
            assertThat(errno(call(c, MigrationMessages.migData(9, false, 24, 16, new byte[0]))))
                    .isEqualTo(Errno.EINVAL);
            assertThat(errno(call(c, MigrationMessages.migData(10, true, 12, 4, new byte[4]))))
                    .isEqualTo(Errno.EINVAL);
            assertThat(c.migration().probe(ClientMigration.MIGRATION, true, false))
                    .isFalse();
            c.reset();
            assertThat(c.deviceInfo().numRegions()).isEqualTo(10);
        }
    }

    @Test
    @DisplayName(
            "VU-10.16 VU-8.1 QEMU's VERSION with the first draft's migration capability is accepted, and the reply has no migration")
    void vu10_16_migrationCapabilityIgnored() throws Exception {
        String json = "{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,\"pgsizes\":4096,"
                + "\"max_dma_maps\":65535,\"migration\":{\"max_bitmap_size\":268435456,\"pgsize\":4096},"
                + "\"write_multiple\":true}}";
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        byte[] msg = new byte[Header.SIZE + 4 + j.length + 1];
        MemorySegment s = MemorySegment.ofArray(msg);
        Header.request(s, 1, Command.VERSION, msg.length, false);
        System.arraycopy(j, 0, msg, Header.SIZE + 4, j.length);
        try (UnixConnection conn = UnixConnection.connect(server.socket())) {
            conn.send(s);
            byte[] head = new byte[Header.SIZE];
            conn.receiveFully(MemorySegment.ofArray(head), null, 0);
            MemorySegment h = MemorySegment.ofArray(head);
            assertThat(Header.isError(h)).isFalse();
            byte[] all = Arrays.copyOf(head, (int) Header.size(h));
            conn.receiveFully(MemorySegment.ofArray(all).asSlice(Header.SIZE), null, 0);
            VersionMessage v = new VersionMessage();
            assertThat(v.wrap(MemorySegment.ofArray(all))).isZero();
            assertThat(v.capabilities().migration()).isFalse();
            assertThat(new String(all, StandardCharsets.UTF_8)).doesNotContain("migration");
        }
    }
}
