package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvfio peek}: region bytes as a hex dump, read in message-sized pieces, bounds checked. */
class PeekCommandTest {
    static final long REGION_SIZE = 1L << 33;
    final List<long[]> reads = new ArrayList<>();

    final class FakeView implements DeviceView {
        @Override
        public DeviceInfo deviceInfo() {
            throw new UnsupportedOperationException();
        }

        @Override
        public RegionInfo regionInfo(int index) {
            return new RegionInfo(index, index == 4 ? REGION_SIZE : 0, Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE,
                    List.of(), null, null);
        }

        @Override
        public IrqInfo irqInfo(int index) {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] read(int region, long offset, int count) {
            reads.add(new long[] {region, offset, count});
            byte[] b = new byte[count];
            for (int i = 0; i < count; i++) b[i] = (byte) ('a' + (offset + i) % 26);
            return b;
        }

        @Override
        public void close() {}
    }

    record Run(int code, String out, String err) {}

    Run peek(Path dir, String... args) throws Exception {
        Path sock = dir.resolve("fake.sock");
        if (!Files.exists(sock)) Files.createFile(sock);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var peek = new picocli.CommandLine(new PeekCommand(p -> new FakeView()));
        peek.setOut(new PrintWriter(out));
        peek.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 2];
        all[0] = "--socket";
        all[1] = sock.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return new Run(peek.execute(all), out.toString(), err.toString());
    }

    @Test
    void dumps_bar4_bytes_with_region_offsets_and_ascii(@TempDir Path dir) throws Exception {
        Run r = peek(dir, "--offset", "0x10000", "--count", "20");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(
                "0000010000: 71 72 73 74 75 76 77 78 79 7a 61 62 63 64 65 66  |qrstuvwxyzabcdef|\n"
                        + "0000010010: 67 68 69 6a                                      |ghij|\n");
        assertThat(reads).containsExactly(new long[] {4, 0x10000, 20});
    }

    @Test
    void large_counts_are_read_in_pieces_of_at_most_4k(@TempDir Path dir) throws Exception {
        Run r = peek(dir, "--offset", "1M", "--count", "10000");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(reads).extracting(a -> a[2]).containsExactly(4096L, 4096L, 1808L);
        assertThat(reads).extracting(a -> a[1]).containsExactly(1L << 20, (1L << 20) + 4096, (1L << 20) + 8192);
        assertThat(r.out().lines()).hasSize(625);
    }

    @Test
    void refuses_reads_outside_the_region_and_silly_counts(@TempDir Path dir) throws Exception {
        assertThat(peek(dir, "--offset", "0x200000000", "--count", "1").code()).isNotZero();
        assertThat(peek(dir, "--offset", "0x1fffffff0", "--count", "32").code()).isNotZero();
        assertThat(peek(dir, "--region", "3").code()).as("empty region").isNotZero();
        assertThat(peek(dir, "--count", "1G").code()).isNotZero();
        assertThat(peek(dir, "--offset", "zz").code()).isNotZero();
        assertThat(reads).isEmpty();
    }
}
