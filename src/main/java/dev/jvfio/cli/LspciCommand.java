package dev.jvfio.cli;

import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.lspci.DeviceView;
import dev.jvfio.lspci.HexDump;
import dev.jvfio.lspci.PciText;
import dev.jvfio.lspci.VfioUserView;
import dev.jvfio.pci.ConfigSpace;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "lspci",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Show a served device like lspci, plus its vfio-user regions and IRQs.",
        description = {
            "Connects to a served device as a vfio-user client and prints it like",
            "lspci -n, then the vfio-user view (regions with sizes, flags and sparse",
            "mmap areas; IRQ indexes). pciutils reads the -xxxx output back:",
            "jvfio lspci --socket S -xxxx > dump; lspci -F dump -vvv"
        })
final class LspciCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", required = true, description = "Socket of the served device.")
    Path socket;

    @Option(names = "-v", description = "Be verbose (-vv, -vvv: more).")
    boolean[] verbose = new boolean[0];

    @Option(names = "-x", description = "Hex dump of config space: -x 64 bytes, -xxx 256, -xxxx 4096.")
    boolean[] hex = new boolean[0];

    private final Function<Path, DeviceView> connector;

    LspciCommand() {
        this(ClientWiring::connect);
    }

    LspciCommand(Function<Path, DeviceView> connector) {
        this.connector = connector;
    }

    static int dumpLength(int hexLevel) {
        return hexLevel >= 4 ? ConfigSpace.EXTENDED_SIZE : hexLevel == 3 ? 256 : hexLevel > 0 ? 64 : 0;
    }

    /**
     * Reads config space the way a VMM does: the 64-byte header one dword at a time, the rest in one
     * piece. Variant drivers emulate header registers per access; nvgrace-gpu, like the kernel, patches
     * only the first emulated BAR an access overlaps (BAR2 before BAR4), so one big read would show
     * BAR4's raw bytes instead of its emulated value.
     */
    static byte[] readConfig(DeviceView dev, int size) throws Exception {
        byte[] config = new byte[size];
        int header = Math.min(64, size);
        for (int off = 0; off < header; off += 4) {
            System.arraycopy(dev.read(Vfio.PCI_CONFIG_REGION_INDEX, off, 4), 0, config, off, 4);
        }
        if (size > header) {
            byte[] rest = dev.read(Vfio.PCI_CONFIG_REGION_INDEX, header, size - header);
            System.arraycopy(rest, 0, config, header, rest.length);
        }
        return config;
    }

    @Override
    public Integer call() throws Exception {
        if (socket.toString().isEmpty()) throw new UsageError("--socket: the path is empty");
        if (!Files.exists(socket)) {
            throw new CommandFailure(
                    socket + ": no such socket (is 'jvfio serve' running? it prints its socket paths)");
        }
        try (DeviceView dev = connector.apply(socket)) {
            RegionInfo cfgInfo = dev.regionInfo(Vfio.PCI_CONFIG_REGION_INDEX);
            int cfgSize = (int) Math.min(ConfigSpace.EXTENDED_SIZE, cfgInfo.size());
            byte[] config = readConfig(dev, cfgSize);
            PrintWriter out = spec.commandLine().getOut();
            long[] barSizes = new long[6];
            for (int i = 0; i < 6; i++) barSizes[i] = dev.regionInfo(i).size();
            long romSize = dev.regionInfo(Vfio.PCI_ROM_REGION_INDEX).size();
            out.print(PciText.describe(config, verbose.length, barSizes, romSize));
            int dump = Math.min(dumpLength(hex.length), config.length);
            if (dump > 0) out.print(HexDump.of(config, dump));
            out.println();
            out.print(VfioUserView.render(dev, socket.toString()));
            out.flush();
        }
        return 0;
    }
}
