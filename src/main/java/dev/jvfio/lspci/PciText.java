package dev.jvfio.lspci;

/**
 * Config space as lspci text, by the pci layer's decoder (the numeric {@code lspci -n} style).
 * Without -v only the header line is printed; any -v prints the full decode (the decoder knows
 * one level of detail, the -vvv one).
 */
public final class PciText {
    /** The bus address we print: a served device has none, and pciutils' dump reader wants one. */
    static final String ADDRESS = "00:00.0";

    private PciText() {}

    public static String describe(byte[] config, int verbosity, long[] barSizes, long romSize) {
        String full = ConfigDecoder.decode(ADDRESS, config, barSizes, romSize);
        if (verbosity > 0) return full.endsWith("\n") ? full : full + "\n";
        int nl = full.indexOf('\n');
        return (nl < 0 ? full : full.substring(0, nl)) + "\n";
    }
}
