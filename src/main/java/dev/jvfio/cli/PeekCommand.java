package dev.jvfio.cli;

import dev.jvfio.device.RegionInfo;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "peek", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Read bytes of a served device's region (e.g. BAR4 device memory) and print them.",
        description = {
            "Connects to a served device as a vfio-user client (only one client at a",
            "time: stop the VMM first) and reads COUNT bytes of region N from OFFSET",
            "through REGION_READ, as a hex dump with the region offset and ASCII, or",
            "the bytes themselves with --raw. Region indexes: BAR0..5 = 0..5, ROM 6,",
            "config 7. Device memory lives in the server, so what a guest wrote into",
            "BAR4 is still there after the guest is gone. See docs/guest-memory.md."})
final class PeekCommand implements Callable<Integer> {
    /** Largest read per message; the client splits larger counts. */
    static final int CHUNK = 4096;
    /** Upper bound of --count, to keep a typo from dumping gigabytes. */
    static final long MAX_COUNT = 64L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", required = true, description = "Socket of the served device.")
    Path socket;

    @Option(names = "--region", paramLabel = "N", defaultValue = "4", description = "Region index (default: ${DEFAULT-VALUE}, BAR4).")
    int region;

    @Option(names = "--offset", paramLabel = "OFFSET", converter = PeekCommand.Offset.class, defaultValue = "0",
            description = "Byte offset in the region: decimal, 0x hex or with a unit (default: 0).")
    ByteSize offset;

    @Option(names = "--count", paramLabel = "COUNT", converter = PeekCommand.Offset.class, defaultValue = "64",
            description = "Bytes to read: decimal, 0x hex or with a unit (default: ${DEFAULT-VALUE}, at most 64M).")
    ByteSize count;

    @Option(names = "--raw", description = "Write the bytes to standard output instead of a hex dump.")
    boolean raw;

    private final Function<Path, DeviceView> connector;

    PeekCommand() {
        this(ClientWiring::connect);
    }

    PeekCommand(Function<Path, DeviceView> connector) {
        this.connector = connector;
    }

    @Override
    public Integer call() throws Exception {
        long off = offset.bytes();
        long n = count.bytes();
        if (region < 0) throw new UsageError("--region must not be negative");
        if (off < 0) throw new UsageError("--offset must not be negative");
        if (n <= 0 || n > MAX_COUNT) throw new UsageError("--count must be between 1 and 64M, not " + n);
        if (!Files.exists(socket)) {
            throw new CommandFailure(socket + ": no such socket (is 'jvfio serve' running? it prints its socket paths)");
        }
        try (DeviceView dev = connector.apply(socket)) {
            RegionInfo info = dev.regionInfo(region);
            if (off >= info.size() || n > info.size() - off) {
                throw new CommandFailure("region " + region + " has " + info.size() + " bytes: [" + hex(off) + ", "
                        + hex(off + n) + ") is outside it");
            }
            byte[] data = new byte[(int) n];
            for (int done = 0; done < n; ) {
                int step = (int) Math.min(CHUNK, n - done);
                byte[] part = dev.read(region, off + done, step);
                System.arraycopy(part, 0, data, done, step);
                done += step;
            }
            if (raw) {
                OutputStream os = System.out;
                os.write(data);
                os.flush();
            } else {
                PrintWriter out = spec.commandLine().getOut();
                out.print(dump(off, data));
                out.flush();
            }
        }
        return 0;
    }

    /** A byte count or offset: 0x hex (what guest tools print) or a size like 4096, 2M. */
    static final class Offset implements picocli.CommandLine.ITypeConverter<ByteSize> {
        @Override
        public ByteSize convert(String value) {
            String t = value.strip();
            try {
                if (t.startsWith("0x") || t.startsWith("0X")) {
                    return new ByteSize(Long.parseUnsignedLong(t.substring(2), 16));
                }
                return ByteSize.parse(t);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a byte offset (e.g. 0x1000, 4096, 2M)");
            }
        }
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** 16 bytes a line: region offset, hex bytes, printable ASCII ('.' for the rest), like hexdump -C. */
    static String dump(long base, byte[] data) {
        StringBuilder sb = new StringBuilder();
        for (int line = 0; line < data.length; line += 16) {
            int end = Math.min(line + 16, data.length);
            sb.append(String.format("%010x:", base + line));
            for (int i = line; i < line + 16; i++) {
                sb.append(i < end ? String.format(" %02x", data[i] & 0xff) : "   ");
            }
            sb.append("  |");
            for (int i = line; i < end; i++) {
                int c = data[i] & 0xff;
                sb.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
            }
            sb.append("|\n");
        }
        return sb.toString();
    }
}
