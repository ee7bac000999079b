package dev.jvfio.cli;

/** Config space as lspci text: header line plus details by verbosity (the pci decoder once it is in). */
final class PciText {
    private PciText() {}

    static String describe(byte[] config, int verbosity) {
        StringBuilder sb = new StringBuilder(ConfigHeader.line(config)).append('\n');
        if (verbosity > 0) sb.append(ConfigHeader.details(config));
        return sb.toString();
    }
}
