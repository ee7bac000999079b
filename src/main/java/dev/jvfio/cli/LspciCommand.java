package dev.jvfio.cli;

import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "lspci", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Connects to a served device as a vfio-user client and prints it like lspci, then the",
            "vfio-user view (regions with sizes, flags and sparse mmap areas; IRQ indexes).",
            "The output of -xxxx can be read back by pciutils: lspci -F FILE -vvv."})
final class LspciCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", required = true, description = "Socket of the served device.")
    Path socket;

    @Option(names = "-v", description = "Be verbose (-vv, -vvv: more).")
    boolean[] verbose = new boolean[0];

    @Option(names = "-x", description = "Hex dump of config space: -x 64 bytes, -xxx 256, -xxxx 4096.")
    boolean[] hex = new boolean[0];

    private final java.util.function.Function<Path, DeviceView> connector;

    LspciCommand() {
        this(ClientWiring::connect);
    }

    LspciCommand(java.util.function.Function<Path, DeviceView> connector) {
        this.connector = connector;
    }

    static int dumpLength(int hexLevel) {
        return hexLevel >= 4 ? 4096 : hexLevel == 3 ? 256 : hexLevel > 0 ? 64 : 0;
    }

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(socket)) {
            throw new CommandFailure(socket + ": no such socket (is 'jvfio serve' running? it prints its socket paths)");
        }
        try (DeviceView dev = connector.apply(socket)) {
            RegionInfo cfgInfo = dev.regionInfo(Vfio.PCI_CONFIG_REGION_INDEX);
            int cfgSize = (int) Math.min(4096, cfgInfo.size());
            byte[] config = dev.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, cfgSize);
            PrintWriter out = spec.commandLine().getOut();
            out.print(PciText.describe(config, verbose.length));
            int dump = Math.min(dumpLength(hex.length), config.length);
            if (dump > 0) out.print(HexDump.of(config, dump));
            out.println();
            out.print(VfioUserView.render(dev, socket.toString()));
            out.flush();
        }
        return 0;
    }
}
