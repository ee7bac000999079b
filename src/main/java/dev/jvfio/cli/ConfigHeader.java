package dev.jvfio.cli;

/**
 * The first line lspci prints for a function, built from raw config bytes:
 * {@code 00:00.0 Class 0302: Device 10de:2342 (rev a1)}. Used while no full decoder is available.
 */
final class ConfigHeader {
    static final String ADDRESS = "00:00.0";

    private ConfigHeader() {}

    static int u8(byte[] c, int off) {
        return off < c.length ? c[off] & 0xff : 0xff;
    }

    static int u16(byte[] c, int off) {
        return u8(c, off) | u8(c, off + 1) << 8;
    }

    static String line(byte[] config) {
        int vendor = u16(config, 0), device = u16(config, 2);
        int cls = u16(config, 0x0a), rev = u8(config, 0x08);
        return String.format("%s Class %04x: Device %04x:%04x (rev %02x)", ADDRESS, cls, vendor, device, rev);
    }

    static String details(byte[] config) {
        int subVendor = u16(config, 0x2c), subDevice = u16(config, 0x2e);
        return String.format("\tSubsystem: Device %04x:%04x%n\tControl: %04x  Status: %04x  Header type: %02x%n",
                subVendor, subDevice, u16(config, 4), u16(config, 6), u8(config, 0x0e));
    }
}
