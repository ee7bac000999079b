package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.lspci.DeviceView;
import dev.jvfio.lspci.HexDump;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The text format of {@code jvfio lspci}, checked against pciutils itself: {@code lspci -F} must read
 * our {@code -xxxx} output (including the vfio-user view that follows the dump) and decode the same
 * ids and BARs. Uses a fixed config image; the live-server version is {@link LspciLiveTest}.
 */
class LspciDumpFormatTest {
    static byte[] config() {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) 0x10de).putShort(2, (short) 0x2342);
        b.putShort(4, (short) 0x0006).putShort(6, (short) 0x0010);
        b.put(8, (byte) 0xa1).put(0x0a, (byte) 0x02).put(0x0b, (byte) 0x03);
        b.putInt(0x10, 0xfe000004).putInt(0x14, 0); // BAR0 64-bit memory at 0xfe000000
        b.putInt(0x18, 0x0000000c).putInt(0x1c, 0x00000080); // BAR2 64-bit prefetchable at 0x80_0000_0000
        b.putInt(0x20, 0x0000000c).putInt(0x24, 0x00000090); // BAR4 64-bit prefetchable at 0x90_0000_0000
        b.putShort(0x2c, (short) 0x10de).putShort(0x2e, (short) 0x16a1);
        b.put(0x34, (byte) 0x00);
        b.put(0x3d, (byte) 1);
        b.putInt(0x100, 0x00000000);
        b.put(0x0fff, (byte) 0x5a); // the last byte, to prove all 4096 bytes survive
        return b.array();
    }

    static final class FakeView implements DeviceView {
        final byte[] config = config();

        @Override
        public DeviceInfo deviceInfo() {
            return new DeviceInfo(Vfio.DEVICE_FLAGS_PCI | Vfio.DEVICE_FLAGS_RESET, 9, 5);
        }

        @Override
        public RegionInfo regionInfo(int i) {
            return switch (i) {
                case 0 -> RegionInfo.trapped(0, 16 << 20, 3);
                case 2 -> new RegionInfo(2, 1L << 31, 0xf, List.of(new SparseArea(0, 1L << 30)), null, null);
                case 4 -> new RegionInfo(4, 1L << 37, 0xf, List.of(new SparseArea(0, 95L << 30)), null, null);
                case 7 -> RegionInfo.trapped(7, 4096, 3);
                default -> RegionInfo.absent(i);
            };
        }

        @Override
        public IrqInfo irqInfo(int i) {
            return new IrqInfo(i, i == 0 ? 0xf : i < 3 ? 9 : 1, i == 2 ? 2048 : 1);
        }

        @Override
        public byte[] read(int region, long offset, int count) {
            return Arrays.copyOfRange(config, (int) offset, (int) offset + count);
        }

        @Override
        public void close() {}
    }

    static String runLspci(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new LspciCommand(p -> new FakeView()));
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute(args)).isZero();
        return out.toString();
    }

    static String pciutils(Path dump, String... args) throws Exception {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "lspci";
        cmd[1] = "-F";
        cmd[2] = dump.toString();
        System.arraycopy(args, 0, cmd, 3, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }

    @Test
    @DisplayName("lspci -F reads jvfio lspci -xxxx output: same ids, BARs and all 4096 bytes")
    void pciutilsReadsOurDump(@TempDir Path dir) throws Exception {
        Path sock = Files.createFile(dir.resolve("fake.sock"));
        String ours = runLspci("--socket", sock.toString(), "-vvv", "-xxxx");
        assertThat(ours.lines()).allSatisfy(l -> assertThat(l.length()).isLessThan(255));
        Path dump = dir.resolve("dump.txt");
        Files.writeString(dump, ours);

        assertThat(pciutils(dump, "-n")).startsWith("00:00.0 0302: 10de:2342 (rev a1)");
        String verbose = pciutils(dump, "-vv");
        assertThat(verbose)
                .contains("Region 0: Memory at fe000000 (64-bit, non-prefetchable)")
                .contains("Region 2: Memory at 8000000000 (64-bit, prefetchable)")
                .contains("Region 4: Memory at 9000000000 (64-bit, prefetchable)");
        // and the bytes round-trip: pciutils' own -xxxx dump equals ours
        String back = pciutils(dump, "-xxxx");
        assertThat(back.substring(back.indexOf("\n00:") + 1))
                .startsWith(HexDump.of(config(), 4096).strip());
        assertThat(ours).contains("ff0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 5a");
    }

    @Test
    @DisplayName("lspci prints the vfio-user view: regions with sizes, flags, sparse areas; IRQs")
    void vfioUserView(@TempDir Path dir) throws Exception {
        Path sock = Files.createFile(dir.resolve("fake.sock"));
        String ours = runLspci("--socket", sock.toString());
        assertThat(ours)
                .contains("vfio-user view of " + sock)
                .contains("Device: flags RESET|PCI (0x3), 9 regions, 5 IRQ indexes")
                .contains("Region 2 (BAR2): size 2 GiB (0x80000000), flags READ|WRITE|MMAP|CAPS (0xf)")
                .contains("mmap area [0x0-0x3fffffff] 1 GiB (0x40000000)")
                .contains("Region 4 (BAR4): size 128 GiB (0x2000000000)")
                .contains("mmap area [0x0-0x17bfffffff] 95 GiB")
                .contains("Region 3 (BAR3): absent")
                .contains("IRQ 2 (MSI-X): 2048 vectors, flags EVENTFD|NORESIZE (0x9)")
                .doesNotContain("00: de 10");
    }
}
