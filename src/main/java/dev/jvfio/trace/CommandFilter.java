package dev.jvfio.trace;

import dev.jvfio.protocol.Command;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * Which commands get a printed line ({@code --filter CMDS}): a comma-separated list of command
 * names as the log prints them (REGION_READ, DMA_MAP, ...; any case) or numbers; a name with a
 * leading '-' is left out instead. Only exclusions: every other command is shown. Replies follow
 * their command. The JSON file is not filtered (a replay needs every message).
 */
public final class CommandFilter {
    /** Commands 0 to 65535 (u16 on the wire). */
    private static final int COMMANDS = 1 << 16;

    private final BitSet shown;
    private final String text;

    private CommandFilter(BitSet shown, String text) {
        this.shown = shown;
        this.text = text;
    }

    /** Every command shown. */
    public static CommandFilter all() {
        BitSet all = new BitSet(COMMANDS);
        all.set(0, COMMANDS);
        return new CommandFilter(all, "all");
    }

    /**
     * Parses CMDS.
     *
     * @throws IllegalArgumentException naming an unknown command and listing the known ones
     */
    public static CommandFilter parse(String cmds) {
        List<Integer> include = new ArrayList<>();
        List<Integer> exclude = new ArrayList<>();
        for (String raw : cmds.split(",")) {
            String t = raw.strip();
            if (t.isEmpty()) {
                continue;
            }
            boolean minus = t.startsWith("-");
            int command = command(minus ? t.substring(1).strip() : t);
            (minus ? exclude : include).add(command);
        }
        if (include.isEmpty() && exclude.isEmpty()) {
            throw new IllegalArgumentException("no command named; " + known());
        }
        BitSet shown = new BitSet(COMMANDS);
        if (include.isEmpty()) {
            shown.set(0, COMMANDS);
        }
        include.forEach(shown::set);
        exclude.forEach(shown::clear);
        return new CommandFilter(shown, cmds.strip());
    }

    private static int command(String name) {
        try {
            int n = Integer.parseInt(name);
            if (n >= 0 && n < COMMANDS) {
                return n;
            }
        } catch (NumberFormatException e) {
            String upper = name.toUpperCase(Locale.ROOT);
            for (int c = Command.VERSION; c <= Command.MIG_DATA_WRITE; c++) {
                if (Command.name(c).equals(upper)) {
                    return c;
                }
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not a vfio-user command; " + known());
    }

    private static String known() {
        StringBuilder sb = new StringBuilder("commands are numbers 0 to 65535 or the names ");
        for (int c = Command.VERSION; c <= Command.MIG_DATA_WRITE; c++) {
            sb.append(c == Command.VERSION ? "" : ", ").append(Command.name(c));
        }
        return sb.append(" (a leading '-' leaves one out)").toString();
    }

    public boolean shows(int command) {
        return shown.get(command & 0xFFFF);
    }

    @Override
    public String toString() {
        return text;
    }
}
