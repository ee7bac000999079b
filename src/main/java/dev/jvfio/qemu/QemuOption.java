package dev.jvfio.qemu;

/** One QEMU command-line option and its argument ({@code -numa} {@code node,nodeid=2}). */
public record QemuOption(String name, String value) {
    /** As shell words, quoted where needed. */
    public String shell() {
        return name + " " + ShellWords.quote(value);
    }
}
