package dev.jvfio.lspci;

/**
 * The shared state and printing helpers of the {@code lspci -vvv} decoders (PCI-8.1): the config bytes
 * (reads past the end give 0, as pciutils' cache does), the output, and the "+"/"-" flag notation. Each
 * decoder ({@link ConfigDecoder}, {@code CapabilityText}, {@code ExpressText},
 * {@code ExtendedCapabilityText}) prints one part of the text into the same output.
 */
abstract class LspciText {
    final byte[] c;
    final StringBuilder out;

    LspciText(byte[] config, StringBuilder out) {
        this.c = config;
        this.out = out;
    }

    /** A decoder printing into the same bytes and output as shared. */
    LspciText(LspciText shared) {
        this(shared.c, shared.out);
    }

    final int b(int at) {
        return at >= 0 && at < c.length ? c[at] & 0xFF : 0;
    }

    final int w(int at) {
        return b(at) | b(at + 1) << 8;
    }

    final int l(int at) {
        return w(at) | w(at + 2) << 16;
    }

    static char f(long v, long bit) {
        return (v & bit) != 0 ? '+' : '-';
    }

    final void p(String s) {
        out.append(s);
    }

    final void pf(String fmt, Object... args) {
        out.append(String.format(fmt, args));
    }
}
