package dev.jvfio.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvfio.Seeds;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.Wire;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The decoder over every message of the recorded sessions (QEMU 10.2, libvfio-user's sample client). */
class MessageDecoderTest {
    /** One message of a recorded session with its direction. */
    record Recorded(String trace, String dir, byte[] bytes, int nfds) {
        MemorySegment segment() {
            return MemorySegment.ofArray(bytes);
        }

        Decoded decode() {
            return MessageDecoder.decode(segment(), nfds);
        }

        String line() {
            Decoded d = decode();
            return trace + " " + dir + " " + Header.describe(segment()) + " " + d.fields() + " " + d.problems();
        }
    }

    static List<Recorded> recorded(String name) throws Exception {
        Path file = Path.of(MessageDecoderTest.class
                .getResource("/dev/jvfio/server/traces/" + name)
                .toURI());
        ObjectMapper json = new ObjectMapper();
        Map<String, ByteArrayOutputStream> streams = new LinkedHashMap<>();
        Map<String, List<long[]>> fds = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode e = json.readTree(line);
            if (!e.has("hex")) {
                continue;
            }
            String key = e.get("conn").asText() + " " + e.get("dir").asText();
            ByteArrayOutputStream s = streams.computeIfAbsent(key, k -> new ByteArrayOutputStream());
            if (e.get("nfds").asInt() > 0) {
                fds.computeIfAbsent(key, k -> new ArrayList<>())
                        .add(new long[] {s.size(), e.get("nfds").asInt()});
            }
            s.writeBytes(HexFormat.of().parseHex(e.get("hex").asText()));
        }
        List<Recorded> out = new ArrayList<>();
        for (var entry : streams.entrySet()) {
            byte[] s = entry.getValue().toByteArray();
            int at = 0;
            while (at + Header.SIZE <= s.length) {
                int size = (int) Header.size(MemorySegment.ofArray(s).asSlice(at));
                int n = 0;
                for (long[] f : fds.getOrDefault(entry.getKey(), List.of())) {
                    if (f[0] >= at && f[0] < at + size) {
                        n += (int) f[1];
                    }
                }
                out.add(new Recorded(
                        name,
                        entry.getKey().substring(entry.getKey().indexOf(' ') + 1),
                        Arrays.copyOfRange(s, at, at + size),
                        n));
                at += size;
            }
        }
        return out;
    }

    private static final List<String> TRACES = List.of(
            "qemu-10.2-guest-boot-vs-libvfio-user-gpio.jsonl",
            "qemu-10.2-guest-boot-vs-membar-test-device.jsonl",
            "libvfio-user-sample-client-server.jsonl",
            "libvfio-user-client-vs-gpio-server.jsonl");

    private static List<Recorded> all() throws Exception {
        List<Recorded> all = new ArrayList<>();
        for (String t : TRACES) {
            all.addAll(recorded(t));
        }
        return all;
    }

    private static String fields(Recorded r) {
        return r.decode().fields().stream().map(Field::toString).collect(Collectors.joining(" "));
    }

    @Test
    @DisplayName("TRACE-4 VU-8 every message of the recorded QEMU and libvfio-user sessions decodes without a problem")
    void trace4_recordedSessionsDecodeCleanly() throws Exception {
        List<Recorded> all = all();
        assertThat(all).hasSizeGreaterThan(1500);
        assertThat(all)
                .allSatisfy(r -> assertThat(r.decode().problems()).as(r.line()).isEmpty());
    }

    @Test
    @DisplayName("VU-3 VU-6 VU-4.5 the fields of QEMU's VERSION, DMA_MAP, SET_IRQS and config reads")
    void vu_qemuFields() throws Exception {
        List<Recorded> qemu = recorded("qemu-10.2-guest-boot-vs-membar-test-device.jsonl");
        Recorded version = qemu.getFirst();
        assertThat(fields(version))
                .startsWith("version=0.0 caps={\"capabilities\": {\"pgsizes\": 4096,")
                .contains("\"write_multiple\": true}}");
        assertThat(qemu)
                .map(MessageDecoderTest::fields)
                .contains(
                        "addr=0x0 size=0x20000000 offset=0x0 prot=rw",
                        "irq=INTX action=TRIGGER data=EVENTFD start=0 count=1",
                        "irq=INTX action=UNMASK data=NONE start=0 count=1",
                        "region=7 offset=0x0 count=4");
    }

    @Test
    @DisplayName(
            "VU-7.2 DEVICE_FEATURE: feature id, GET/SET/PROBE, the migration device_state; MIG_DATA_READ/WRITE sizes")
    void vu7_2_featuresAndMigrationData() throws Exception {
        List<String> lines = recorded("libvfio-user-sample-client-server.jsonl").stream()
                .filter(r -> r.dir().equals("C->S"))
                .map(MessageDecoderTest::fields)
                .toList();
        assertThat(lines)
                .contains(
                        "feature=DMA_LOGGING_START op=SET argsz=24 page_size=0x1000 ranges=0",
                        "feature=DMA_LOGGING_REPORT op=GET argsz=40 iova=0x0 length=0x1000 page_size=0x1000",
                        "feature=MIG_DEVICE_STATE op=SET argsz=16 device_state=PRE_COPY",
                        "feature=MIG_DEVICE_STATE op=SET argsz=16 device_state=STOP_COPY",
                        "feature=MIG_DEVICE_STATE op=SET argsz=16 device_state=RESUMING",
                        "argsz=1032 size=1024");
        MemorySegment probe = MemorySegment.ofArray(new byte[32]);
        Header.request(probe, 5, Command.DEVICE_FEATURE, 32, false);
        Wire.putU32(probe, 16, 16);
        Wire.putU32(probe, 20, (1 << 16) | (1 << 17) | 1);
        Decoded both = MessageDecoder.decode(probe, 0);
        assertThat(both.problems()).containsExactly("DEVICE_FEATURE with GET and SET but no PROBE");
        assertThat(both.fields()).extracting(Field::toString).startsWith("feature=MIGRATION", "op=GET|SET");
    }

    @Test
    @DisplayName("TRACE-4 hostile messages (seeded random headers and payloads) never make the decoder fail")
    void trace4_hostileInputNeverBreaksTheDecoder() {
        long seed = Seeds.of(0x7ace_dec0L);
        Random r = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            byte[] m = new byte[16 + r.nextInt(r.nextBoolean() ? 64 : 600)];
            r.nextBytes(m);
            MemorySegment s = MemorySegment.ofArray(m);
            int[] flags = {0, 1, 0x10, 0x21, r.nextInt()};
            Header.write(
                    s,
                    r.nextInt(1 << 16),
                    r.nextInt(20),
                    r.nextInt(4) == 0 ? r.nextInt() : m.length,
                    flags[r.nextInt(flags.length)],
                    r.nextInt(3) == 0 ? r.nextInt() : 0);
            Decoded d = MessageDecoder.decode(s, r.nextInt(3));
            assertThat(d.problems())
                    .as("seed " + seed + " message " + i + ": " + Header.describe(s))
                    .noneMatch(p -> p.startsWith("the decoder failed"));
        }
    }
}
