package dev.jvfio.qemu;

/** Quoting for POSIX shells, so printed command lines can be pasted as they are. */
public final class ShellWords {
    private ShellWords() {}

    /** The word unchanged if it has only characters no shell treats specially, else single-quoted. */
    public static String quote(String word) {
        if (!word.isEmpty() && word.chars().allMatch(ShellWords::plain)) return word;
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static boolean plain(int c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || "-_./=,:@%+".indexOf(c) >= 0;
    }
}
