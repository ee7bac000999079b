package dev.jvfio.cli;

/** A command that could not do its job for a reason outside the user's input: exit code 1. */
public final class CommandFailure extends RuntimeException {
    public CommandFailure(String message) {
        super(message);
    }

    public CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
