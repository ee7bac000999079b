package dev.jvfio.cli;

import dev.jvfio.client.ServerCapabilities;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.VfioException;
import dev.jvfio.lspci.DeviceView;
import dev.jvfio.units.ByteSize;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Reads bytes of a served device's region through the socket, as a client: what a guest wrote into
 * device memory can be checked from the host after the VM is gone (the memory lives in the server).
 */
@Command(
        name = "peek",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Read bytes of a served device's region (e.g. BAR4 memory) through its socket.",
        description = {
            "Connects as a vfio-user client (only one client at a time: stop the VM first)",
            "and reads COUNT bytes of region INDEX at OFFSET with REGION_READ, in chunks",
            "of the negotiated max_data_xfer_size. Prints a hex dump, or writes the raw",
            "bytes to --out (replacing FILE only once all bytes are read), or prints their",
            "SHA-256 with --sha256."
        })
final class PeekCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", required = true, description = "Socket of the served device.")
    Path socket;

    @Option(
            names = "--region",
            paramLabel = "INDEX",
            required = true,
            description = "Region index: BAR0..5 = 0..5, ROM 6, config 7, device-specific regions 9 and up.")
    int region;

    @Option(
            names = "--offset",
            paramLabel = "OFFSET",
            defaultValue = "0",
            description = "Byte offset in the region: decimal, 0x hex, or a size such as 1G (default: 0).")
    String offset;

    @Option(
            names = "--count",
            paramLabel = "SIZE",
            defaultValue = "256",
            description = "Bytes to read: decimal, 0x hex or a size such as 1M (default: 256; at most 1G).")
    String count;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the raw bytes to FILE instead of a hex dump.")
    Path out;

    @Option(names = "--sha256", description = "Print only the SHA-256 of the bytes (lowercase hex); not with --out.")
    boolean sha256;

    @Override
    public Integer call() throws Exception {
        long start = parseOffset("--offset", offset);
        long n = parseOffset("--count", count);
        if (n <= 0 || n > ByteSize.GIB) throw new UsageError("--count must be 1 byte to 1G, not " + n);
        if (region < 0 || region > 99) throw new UsageError("--region must be 0 to 99, not " + region);
        if (sha256 && out != null) {
            throw new UsageError(
                    "--sha256 and --out exclude each other: --sha256 prints a digest, --out writes the bytes");
        }
        if (out != null) PathArgs.requireWritable("--out", out);
        PrintWriter stdout = spec.commandLine().getOut();
        try (DeviceView client = ClientWiring.connect(socket)) {
            int regions = client.deviceInfo().numRegions();
            if (region >= regions) {
                throw new UsageError("--region " + region + ": this device has regions 0 to " + (regions - 1));
            }
            RegionInfo info;
            try {
                info = client.regionInfo(region);
            } catch (VfioException e) {
                throw new UsageError("--region " + region + ": the device refused it (" + e.getMessage() + ")");
            }
            if (info.size() == 0)
                throw new UsageError("--region " + region + " does not exist on this device (size 0)");
            if (start < 0 || start > info.size() || n > info.size() - start) {
                throw new UsageError("offset " + start + " + count " + n + " is past the end of region " + region + " ("
                        + info.size() + " bytes)");
            }
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            // the server's max_data_xfer_size, and never more than the 1 MiB our client proposes (VU-3.3)
            ServerCapabilities caps = client.serverCapabilities();
            int chunk = (int) Math.min(caps == null ? 1 << 20 : caps.maxDataXferSize(), 1 << 20);
            try (OutputFile file = out == null ? null : OutputFile.open(out)) {
                for (long done = 0; done < n; ) {
                    int len = (int) Math.min(chunk, n - done);
                    byte[] bytes = client.read(region, start + done, len);
                    if (sha256) digest.update(bytes);
                    else if (file != null) file.stream().write(bytes);
                    else stdout.print(dump(start + done, bytes));
                    done += len;
                }
                if (file != null) file.commit();
            }
            if (sha256) stdout.println(HexFormat.of().formatHex(digest.digest()));
            stdout.flush();
        } catch (IOException e) {
            throw new CommandFailure("reading region " + region + " through " + socket + ": " + Reasons.of(e), e);
        } catch (VfioException e) {
            throw new CommandFailure("reading region " + region + " through " + socket + ": " + e.getMessage(), e);
        }
        return 0;
    }

    static long parseOffset(String text) {
        return parseOffset("--offset", text);
    }

    /** A byte offset or count: decimal, 0x hex, or a size such as 1G. */
    static long parseOffset(String option, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("0x")) return Long.parseUnsignedLong(t.substring(2), 16);
            return ByteSize.parse(t).bytes();
        } catch (IllegalArgumentException e) {
            throw new UsageError(
                    option + " '" + text + "' is not a number of bytes (decimal, 0x hex or a size such as 1G)");
        }
    }

    /** 16 bytes a line, the absolute offset in hex first. */
    static String dump(long base, byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int line = 0; line < bytes.length; line += 16) {
            sb.append(String.format("%012x:", base + line));
            for (int i = line; i < Math.min(line + 16, bytes.length); i++)
                sb.append(String.format(" %02x", bytes[i] & 0xff));
            sb.append('\n');
        }
        return sb.toString();
    }
}
