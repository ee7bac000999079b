package dev.jvfio.cli;

/** Bad input from the user (arguments, config file): printed without a stack trace, exit code 2. */
public final class UsageError extends RuntimeException {
    public UsageError(String message) {
        super(message);
    }
}
