package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.Errno;
import dev.jvfio.device.MigrationState;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.Wire;
import dev.jvfio.transport.UnixConnection;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * libvfio-user's sample client migrating its device from one server to another (captured byte for
 * byte, see the traces' README), replayed against two of our servers: every DEVICE_FEATURE and
 * MIG_DATA request it sends is understood, the DEVICE_FEATURE replies have the sizes libvfio-user's
 * had, and the stream it carries (libvfio-user's sample device's) is refused by our test device as
 * foreign when the destination leaves RESUMING (VU-10.8).
 */
@Timeout(120)
class MigrationTraceTest {
    private static final String TRACE = "traces/libvfio-user-sample-client-server.jsonl";

    private record Outcome(MemorySegment request, MemorySegment reply, MemorySegment original) {}

    @Test
    @DisplayName(
            "VU-10.17 VU-10.1 VU-10.9 VU-10.10 VU-10.12 VU-10.14 libvfio-user's client migrating: logging, PRE_COPY, STOP_COPY, RESUMING, all as it expects")
    void vu10_libvfioUserClient() throws Exception {
        Map<String, TraceReplayTest.Connection> conns = TraceReplayTest.parse(
                Path.of(MigrationTraceTest.class.getResource(TRACE).toURI()));
        try (MigrationServer source =
                        MigrationServer.start(new RecordingMigration(true, new byte[5000]).preCopyBytes(3000));
                MigrationServer dest = MigrationServer.start(new RecordingMigration(true, new byte[0]))) {
            List<Outcome> out = replay(conns.get("conn1"), source);
            int features = 0;
            int reads = 0;
            for (Outcome o : out) {
                int command = Header.command(o.request());
                String what = Header.describe(o.request()) + " -> " + Header.describe(o.reply());
                if (command == Command.DEVICE_FEATURE) {
                    assertThat(Header.isError(o.reply())).as(what).isFalse();
                    assertThat(Header.size(o.reply())).as(what).isEqualTo(Header.size(o.original()));
                    features++;
                } else if (command == Command.MIG_DATA_READ) {
                    assertThat(Header.isError(o.reply())).as(what).isFalse();
                    long n = Wire.u32l(o.reply(), 20);
                    assertThat(n).as(what).isLessThanOrEqualTo(1024);
                    assertThat(Wire.u32l(o.reply(), 16)).as(what).isEqualTo(8 + n);
                    reads++;
                }
            }
            assertThat(features).isGreaterThan(15);
            assertThat(reads).isGreaterThan(10);
            assertThat(source.migration().arcs())
                    .containsExactly("RUNNING->PRE_COPY", "PRE_COPY->STOP_COPY", "STOP_COPY->STOP");

            List<Outcome> in = replay(conns.get("conn2"), dest);
            List<String> states = new ArrayList<>();
            for (Outcome o : in) {
                int command = Header.command(o.request());
                String what = Header.describe(o.request()) + " -> " + Header.describe(o.reply());
                if (command == Command.MIG_DATA_WRITE) {
                    assertThat(Header.isError(o.reply())).as(what).isFalse();
                    assertThat(Header.size(o.reply())).as(what).isEqualTo(Header.SIZE);
                } else if (command == Command.DEVICE_FEATURE) {
                    MigrationState target = MigrationState.of(Wire.u32(o.request(), 24));
                    states.add(target + " " + (Header.isError(o.reply()) ? Errno.name(Header.error(o.reply())) : "ok"));
                }
            }
            // libvfio-user's sample stream is foreign to our test device: refused, and then ERROR
            assertThat(states).containsExactly("RESUMING ok", "STOP EINVAL", "RUNNING EINVAL");
            assertThat(dest.migration().applied()).isNull();
        }
    }

    /** Sends one connection's requests in order (fresh fds for its fds) and pairs each reply with the original. */
    private static List<Outcome> replay(TraceReplayTest.Connection conn, MigrationServer server) throws Exception {
        Map<Long, ArrayDeque<MemorySegment>> original = new HashMap<>();
        for (TraceReplayTest.Message r : conn.replies()) {
            MemorySegment s = r.segment();
            if (Header.isReply(s)) {
                original.computeIfAbsent(((long) Header.id(s) << 16) | Header.command(s), k -> new ArrayDeque<>())
                        .add(s);
            }
        }
        List<Outcome> out = new ArrayList<>();
        server.awaitNoClient();
        try (UnixConnection c = UnixConnection.connect(server.socket())) {
            for (TraceReplayTest.Message m : conn.requests()) {
                MemorySegment req = m.segment();
                if (Header.type(req) != Header.TYPE_COMMAND) {
                    continue;
                }
                List<Fd> fds = new ArrayList<>();
                List<AutoCloseable> owners = new ArrayList<>();
                try {
                    for (String kind : m.fdKinds()) {
                        if (kind.equals("eventfd")) {
                            EventFd e = EventFd.create();
                            owners.add(e);
                            fds.add(e.fd());
                        } else {
                            long size = Header.command(req) == Command.DMA_MAP
                                    ? Wire.u64(req, 24) + Wire.u64(req, 40)
                                    : 1 << 20;
                            Fd f = Memfd.create("replay", size);
                            owners.add(f);
                            fds.add(f);
                        }
                    }
                    c.send(req, fds);
                } finally {
                    for (AutoCloseable o : owners) {
                        o.close();
                    }
                }
                if (Header.noReply(req)) {
                    continue;
                }
                List<Fd> got = new ArrayList<>();
                MemorySegment reply = TraceReplayTest.receive(c, got);
                got.forEach(Fd::close);
                ArrayDeque<MemorySegment> q = original.get(((long) Header.id(req) << 16) | Header.command(req));
                out.add(new Outcome(req, reply, q == null ? null : q.poll()));
            }
        }
        return out;
    }
}
