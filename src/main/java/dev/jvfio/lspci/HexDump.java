package dev.jvfio.lspci;

/**
 * Config space as {@code lspci -x} prints it: 16 bytes a line, the offset in hex (two digits below
 * 0x100, three above) and a colon. pciutils reads exactly this back with {@code lspci -F FILE}.
 */
public final class HexDump {
    private HexDump() {}

    public static String of(byte[] bytes, int length) {
        StringBuilder sb = new StringBuilder();
        int n = Math.min(length, bytes.length);
        for (int line = 0; line < n; line += 16) {
            sb.append(String.format(line < 0x100 ? "%02x:" : "%03x:", line));
            for (int i = line; i < Math.min(line + 16, n); i++) {
                sb.append(' ').append(String.format("%02x", bytes[i] & 0xff));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
