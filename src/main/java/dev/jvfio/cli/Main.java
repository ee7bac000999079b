package dev.jvfio.cli;

/** Entry point of the jvfio command; the picocli command tree lands with the CLI issue. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.err.println("jvfio: commands are not built yet");
        System.exit(2);
    }
}
